import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../kernels/Rng.js';
import { decodeModelSnapshot, type ModelSnapshot } from '../schemas/modelSnapshot.js';
import { runCli } from './cliRun.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-deep-'));
const data = join(dir, 'bars.csv');
{
  const rng = Rng.fromSeed(4);
  const rows = Array.from({ length: 60 }, () =>
    Array.from({ length: 16 }, (_, j) => (rng.uniform() < (j % 4 === 0 ? 0.8 : 0.2) ? 1 : 0)).join(','),
  );
  writeFileSync(data, rows.join('\n') + '\n');
}

async function train(args: string[]): Promise<Record<string, unknown>> {
  const run = runCli(['train', '--data', data, '--json', ...args]);
  const { code, stderr } = await run.exited;
  if (code !== 0) throw new Error(`exit ${code}: ${stderr}`);
  return run.events[run.events.length - 1];
}

const read = (path: string): ModelSnapshot => decodeModelSnapshot(readFileSync(path), path);
/** Every float array of a snapshot, in order, as bytes (not the time it was saved). */
function arrays(s: unknown): Buffer[] {
  if (s instanceof Float32Array) return [Buffer.from(s.buffer, s.byteOffset, s.byteLength)];
  if (Array.isArray(s)) return s.flatMap(arrays);
  if (s && typeof s === 'object')
    return Object.entries(s)
      .filter(([k]) => k !== 'savedAt')
      .flatMap(([, v]) => arrays(v));
  return [];
}

for (const [model, layers, file] of [
  ['dbm', '8,4', 'step-000000009.msgpack'],
  ['dbn', '8,4', 'step-000000021.msgpack'], // the second layer, mid-way: 18 steps per layer
] as const) {
  test(`train --model ${model}: a run resumed from a mid-run snapshot ends with the same bytes as the run straight through (parameters, velocity, chains, generator)`, async (t) => {
    const straight = join(dir, `${model}-straight`);
    const summary = await train([
      '--batch',
      '10',
      '--model',
      model,
      '--layers',
      layers,
      '--epochs',
      '3',
      '--snapshot-every',
      '3',
      '--keep',
      '100',
      '--out',
      straight,
    ]);
    t.is(summary.event, 'summary');
    const end = read(join(straight, 'snapshot.msgpack'));
    t.is(end.model, model);
    const copy = join(dir, `${model}-resumed`);
    const resumedFrom = join(straight, 'snapshots', file);
    const mid = read(resumedFrom);
    if (mid.model === 'dbn') t.is(mid.trained.length, 1, 'the snapshot is mid-way through the second layer');
    const again = await train(['--resume', resumedFrom, '--out', copy]);
    t.is(again.event, 'summary');
    const resumed = read(join(copy, 'snapshot.msgpack'));
    const a = arrays(end),
      b = arrays(resumed);
    t.true(a.length >= 8, `${a.length} arrays`);
    t.is(a.length, b.length);
    a.forEach((x, i) => t.true(x.equals(b[i]), `array ${i} differs`));
    t.false(arrays(mid)[0].equals(a[0]) && arrays(mid)[arrays(mid).length - 1].equals(a[a.length - 1]), 'the resumed run trained on');
  });
}

test('train --model dbm without --layers, or with one layer, is refused naming --layers; --model xyz names the flag', async (t) => {
  for (const [args, text] of [
    [['--model', 'dbm'], '--layers'],
    [['--model', 'dbm', '--layers', '10'], 'at least 2 hidden layer sizes'],
    [['--model', 'xyz'], '--model'],
  ] as const) {
    const run = runCli(['train', '--data', data, '--out', join(dir, 'refused'), ...args]);
    const { code, stderr } = await run.exited;
    t.is(code, 2, stderr);
    t.true(stderr.includes(text), stderr);
  }
});
