import test from 'ava';
import { Packr } from 'msgpackr';
import { last, lastValueFrom } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Rng } from '../kernels/Rng.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { parseWith } from '../schemas/parseWith.js';
import { decodeSnapshot, encodeSnapshot } from '../schemas/snapshot.js';
import { trainConfigSchema } from '../schemas/trainConfig.js';
import { toSnapshot } from '../sinks/stateSnapshot.js';
import { parseIdxHeader } from '../sources/readIdx.js';
import { parseRecord } from '../sources/parseRecord.js';
import { binaryData } from './helpers.js';

const rng = Rng.fromSeed(2026);
const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
const packr = new Packr({ moreTypes: true, useRecords: false });

/** Runs `f` on each case: it must return, or throw a BoltzflowError; anything else fails the test. Returns [accepted, rejected]. */
function classify(cases: Iterable<Uint8Array | string>, f: (c: never) => unknown): { accepted: number; rejected: number; other: string[] } {
  let accepted = 0,
    rejected = 0;
  const other: string[] = [];
  for (const c of cases) {
    try {
      f(c as never);
      accepted++;
    } catch (e) {
      if (e instanceof BoltzflowError) rejected++;
      else
        other.push(
          `${(e as Error)?.constructor?.name}: ${(e as Error)?.message} on ${typeof c === 'string' ? JSON.stringify(c.slice(0, 80)) : Buffer.from(c.subarray(0, 40)).toString('hex')}`,
        );
    }
  }
  return { accepted, rejected, other };
}

test('snapshot fuzzing: 4,000 mutated, truncated, hostile and random files are each accepted or rejected with a BoltzflowError; nothing pollutes Object.prototype', async (t) => {
  const config = parseWith(trainConfigSchema, { nHidden: 5, batchSize: 10, epochs: 1, method: 'pcd' });
  const final = await lastValueFrom(trainRbm({ data: binaryData(30, 12, 1), config }).pipe(last()));
  const info = { name: 'unit', rows: 30, imageShape: [3, 4] as [number, number], binarize: 'none' as const };
  const good = encodeSnapshot(toSnapshot(final, config, info));
  const plain = decodeSnapshot(good, 'good') as unknown as Record<string, unknown>;
  function* cases(): Generator<Uint8Array> {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(good); // byte flips
      for (let k = 1 + rng.int(8); k > 0; k--) b[rng.int(b.length)] = rng.int(256);
      yield b;
    }
    for (let i = 0; i < 500; i++) yield good.subarray(0, rng.int(good.length)); // truncations
    for (let i = 0; i < 500; i++) {
      const at = rng.int(good.length); // insertions and deletions
      yield Buffer.concat([
        good.subarray(0, at),
        Buffer.from(Array.from({ length: rng.int(9) }, () => rng.int(256))),
        good.subarray(at + rng.int(9)),
      ]);
    }
    for (let i = 0; i < 500; i++) yield Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256))); // noise
    // Declared sizes far beyond the file (arrays, maps, strings, binaries, typed arrays of 4 GiB).
    for (const head of ['dd', 'df', 'db', 'c6', 'c9', 'dc', 'de', 'da', 'c5'])
      for (const size of ['ffffffff', '7fffffff', '05f5e100', '0000ffff'])
        yield Buffer.from(head + size.slice(0, head === 'dc' || head === 'de' || head === 'da' || head === 'c5' ? 4 : 8) + '00', 'hex');
    // Hostile keys, at the top and inside, and wrong types in every field.
    const hostile = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
    for (let i = 0; i < 500; i++) {
      const s = structuredClone(plain);
      const where = pick([s, s.params, s.config, s.counters, s.data]) as Record<string, unknown>;
      if (i % 2)
        Object.defineProperty(where, pick(hostile), {
          value: JSON.parse('{"polluted": true}'),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      else s[pick(Object.keys(s))] = pick<unknown>([null, -1, 1e308, 'x', [], {}, new Float32Array(3), NaN, true]);
      yield packr.pack(s);
    }
    yield packr.pack(JSON.parse('{"__proto__": {"polluted": true}, "format": "boltzflow-snapshot", "version": 1}'));
  }
  const start = performance.now();
  const { accepted, rejected, other } = classify(cases(), (b: Uint8Array) => decodeSnapshot(b, 'fuzz'));
  const seconds = (performance.now() - start) / 1000;
  t.log(
    `${accepted + rejected + other.length} snapshot cases in ${seconds.toFixed(1)} s: ${accepted} accepted (flips in values that stay valid), ${rejected} rejected with a BoltzflowError, ${other.length} other`,
  );
  t.deepEqual(other, []);
  t.true(accepted + rejected >= 4000);
  // Every hostile key is refused outright (the schema is strict at every level).
  const hostileOnly = classify(
    ['__proto__', 'constructor', 'prototype'].map((key) => {
      const s = structuredClone(plain);
      Object.defineProperty(s.params as object, key, { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
      return packr.pack(s);
    }),
    (b: Uint8Array) => decodeSnapshot(b, 'hostile'),
  );
  t.deepEqual([hostileOnly.accepted, hostileOnly.rejected], [0, 3]);
  t.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.is(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false);
});

test('data fuzzing: 6,000 random and mutated NDJSON/CSV lines and IDX headers are each parsed or rejected with a BoltzflowError', (t) => {
  const alphabet = [
    '0',
    '1',
    '0.5',
    ',',
    '[',
    ']',
    ' ',
    '-',
    'e',
    'NaN',
    'Infinity',
    '"',
    'x',
    '1e309',
    '{}',
    'null',
    '\t',
    '.',
    '٣',
    '\u0000',
  ];
  const line = () => Array.from({ length: rng.int(30) }, () => pick(alphabet)).join('');
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) lines.push(line(), '[' + line() + ']');
  const ndjson = classify(lines, (l: string) => parseRecord(l, 'ndjson', 'fuzz line'));
  const csv = classify(lines, (l: string) => parseRecord(l, 'csv', 'fuzz line'));
  const idx: Uint8Array[] = [];
  const realHeader = Buffer.from('00000803000027100000001c0000001c', 'hex'); // MNIST test images
  for (let i = 0; i < 2000; i++) {
    const b = Buffer.concat([realHeader, Buffer.alloc(rng.int(64))]);
    for (let k = 1 + rng.int(4); k > 0; k--) b[rng.int(16)] = rng.int(256);
    idx.push(b.subarray(0, rng.int(b.length + 1)));
  }
  const headers = classify(idx, (b: Uint8Array) => parseIdxHeader(b, 'fuzz.idx'));
  t.log(
    `NDJSON ${ndjson.accepted}/${ndjson.rejected}, CSV ${csv.accepted}/${csv.rejected}, IDX ${headers.accepted}/${headers.rejected} (accepted/rejected)`,
  );
  t.deepEqual([...ndjson.other, ...csv.other, ...headers.other], []);
  t.true(ndjson.rejected > 1000 && csv.rejected > 1000 && headers.rejected > 1000, 'most random input is refused');
});
