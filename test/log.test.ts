import test from 'ava';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { logSink } from '../sinks/logSink.js';
import { readLog } from '../sources/readLog.js';
import { binaryData, bytesOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-log-'));
const data = binaryData(60, 9, 2);
const config = parseWith(trainConfigSchema, { nHidden: 4, batchSize: 10, epochs: 3, method: 'pcd' });
const info = { name: 'unit', rows: 60, imageShape: [3, 3] as [number, number], binarize: 'none' as const };
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

test('a metrics log reads back from the start, every step, equal to the step events', async (t) => {
  const path = join(dir, 'metrics.msgpack');
  const events = await lastValueFrom(trainRbm({ data, config }).pipe(logSink(path), toArray()));
  const log = await collect(readLog(path));
  t.is(log.length, 18);
  t.deepEqual(
    log.map((r) => r.step),
    events.map((e) => e.step),
  );
  t.true(log.every((r, i) => r.kind === 'metrics' && r.reconstructionError === events[i].metrics.reconstructionError));
});

test('a snapshot log holds the weights at every N steps; a partial last record is reported, not misread; garbage is a clear error', async (t) => {
  const path = join(dir, 'snapshots.msgpack');
  const weights: Buffer[] = [];
  await lastValueFrom(
    trainRbm({ data, config }).pipe(
      logSink(path, { every: 6, records: 'snapshots', config, data: info }),
      tap((e) => e.step % 6 === 0 && weights.push(Buffer.from(bytesOf(e.model.params.weights.data)))), // copied: the buffers are reused
    ),
  );
  const full = readFileSync(path);
  appendFileSync(path, full.subarray(0, 40)); // a crash in the middle of appending a fourth record
  let partial = 0;
  const log = await collect(readLog(path, { onPartial: (n) => (partial = n) }));
  t.deepEqual(
    log.map((r) => [r.kind, r.step]),
    [
      ['snapshot', 6],
      ['snapshot', 12],
      ['snapshot', 18],
    ],
  );
  t.is(partial, 40);
  t.deepEqual(
    log.map((r) => bytesOf((r.params as { weights: Float32Array }).weights)),
    weights,
    'the logged weights are those of the run at those steps',
  );
  const junk = join(dir, 'junk.msgpack');
  writeFileSync(junk, Buffer.from([0xc1, 0xc1, 0xc1, 0xc1]));
  await t.throwsAsync(collect(readLog(junk)), {
    instanceOf: BoltzflowError,
    message: /^log .*junk.msgpack: got .*, expected (msgpack records|records with a kind)/,
  });
  writeFileSync(junk, Buffer.from('{"not": "msgpack"}\n'));
  await t.throwsAsync(collect(readLog(junk)), {
    instanceOf: BoltzflowError,
    message: /^log .*junk.msgpack: got .*, expected (msgpack records|records with a kind)/,
  });
  await t.throwsAsync(collect(readLog(join(dir, 'missing.msgpack'))), {
    instanceOf: BoltzflowError,
    message: /^log: got ".*missing.msgpack", expected a readable log file/,
  });
});
