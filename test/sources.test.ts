import test from 'ava';
import { tryParseRecord } from '../sources/parseRecord.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray, map } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { Matrix } from '../kernels/Matrix.js';
import { loadDataset, mnistPath } from '../sources/loadDataset.js';
import { minibatches } from '../sources/minibatches.js';
import { readCsv } from '../sources/readCsv.js';
import { readIdx } from '../sources/readIdx.js';
import { readNdjson } from '../sources/readNdjson.js';

const dir = mkdtempSync(join(tmpdir(), 'boltzflow-sources-'));
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function idx(dims: number[], values: number[], type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('the bundled MNIST IDX files have 60,000 and 10,000 digits of 28×28, scaled to [0, 1]', async (t) => {
  const train = await readIdx(mnistPath('train'));
  t.deepEqual(train.header.dims, [60000, 28, 28]);
  const test10k = await loadDataset('mnist:test', { limit: 50 });
  t.is(test10k.data.cols, 784);
  t.deepEqual(test10k.imageShape, [28, 28]);
  t.true(test10k.data.data.every((x) => x >= 0 && x <= 1));
  t.true(test10k.data.data.some((x) => x === 1) && test10k.data.data.some((x) => x > 0 && x < 1));
});

test('IDX: records are read and scaled; a wrong magic number or a size mismatch is named', async (t) => {
  const good = file('good.idx', idx([2, 2], [0, 255, 51, 102]));
  const records = await collect((await readIdx(good)).records);
  t.deepEqual(
    records.map((r) => Array.from(r.values, (x) => Math.round(x * 255))),
    [
      [0, 255],
      [51, 102],
    ],
  );
  t.is(records[1].where, 'good.idx record 1');
  const badMagic = file('bad-magic.idx', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]));
  await t.throwsAsync(readIdx(badMagic), { instanceOf: BoltzflowError, message: /bad-magic.idx magic number: got "0x1f8b0800"/ });
  const short = file('short.idx', idx([3, 2], [1, 2, 3]));
  await t.throwsAsync(readIdx(short), { message: /short.idx size: got "15 bytes", expected 18 bytes for 3×2 ubyte values/ });
});

test('CSV: a header line is skipped, blank lines ignored, a bad field named with its line', async (t) => {
  const ok = file('ok.csv', 'a,b,c\n0,1,0.5\n\n1, 0 ,0\n');
  t.deepEqual(
    (await collect(readCsv(ok))).map((r) => Array.from(r.values)),
    [
      [0, 1, 0.5],
      [1, 0, 0],
    ],
  );
  const bad = file('bad.csv', '0,1\n1,x\n');
  await t.throwsAsync(collect(readCsv(bad)), {
    instanceOf: BoltzflowError,
    message: /bad.csv line 2, field 2: got "x", expected a finite number/,
  });
  const empty = file('empty-field.csv', '0,1\n1,\n');
  await t.throwsAsync(collect(readCsv(empty)), { message: /empty-field.csv line 2, field 2/ });
});

test('CSV: quoted fields are read as CSV writers quote them; numbers separated by ";", tabs or spaces are refused naming the separator, never skipped as a header', async (t) => {
  const quoted = file('quoted.csv', '"a","b"\n"0.5","1"\n1,"0.25"\n');
  t.deepEqual(
    (await collect(readCsv(quoted))).map((r) => Array.from(r.values)),
    [
      [0.5, 1],
      [1, 0.25],
    ],
  );
  for (const [name, text, separator] of [
    ['semicolons.csv', '0.1;0.2\n0.3;0.4\n', '";"'],
    ['tabs.csv', '0.1\t0.2\n0.3\t0.4\n', 'tabs'],
    ['spaces.csv', '1 0 1\n0 1 0\n', 'spaces'],
  ])
    await t.throwsAsync(collect(readCsv(file(name, text))), {
      message: new RegExp(
        `^${name.replace('.', '\\.')} line 1, field 1: got .*, expected comma-separated numbers \\(this line is separated by ${separator}`,
      ),
    });
});

test('CSV: a comma-less line of many numbers ending in junk is refused at once (the separator check is linear, no backtracking)', (t) => {
  // 60 three-digit numbers then a bad tail: a regular expression of repeated numbers would try about 3⁶⁰ splits here.
  const line = `${Array.from({ length: 60 }, (_, i) => String(100 + i)).join(' ')} x`;
  const r = tryParseRecord(line, 'csv', 'feed line 1');
  t.false(r instanceof Float32Array);
  t.regex((r as { error: Error }).error.message, /^feed line 1, field 1: got .*, expected a finite number$/);
});

test('NDJSON: arrays of numbers per line; anything else is named with its line', async (t) => {
  const ok = file('ok.ndjson', '[0,1]\n[1,0.25]\n');
  t.deepEqual(
    (await collect(readNdjson(ok))).map((r) => Array.from(r.values)),
    [
      [0, 1],
      [1, 0.25],
    ],
  );
  await t.throwsAsync(collect(readNdjson(file('b1.ndjson', '[0,1]\n{"a":1}\n'))), {
    message: /b1.ndjson line 2: got an object, expected a JSON array of numbers/,
  });
  await t.throwsAsync(collect(readNdjson(file('b2.ndjson', '[0,1]\n[0,"x"]\n'))), { message: /b2.ndjson line 2, element 1: got "x"/ });
  await t.throwsAsync(collect(readNdjson(file('b3.ndjson', '[0,1]\n[0,1'))), { message: /b3.ndjson line 2: got "\[0,1"/ });
});

test('loadDataset: ragged records and values outside [0, 1] are refused with the record named', async (t) => {
  await t.throwsAsync(loadDataset(file('ragged.csv', '0,1\n1,0,1\n')), { message: /ragged.csv line 2: got "3 values", expected 2 values/ });
  await t.throwsAsync(loadDataset(file('range.ndjson', '[0,1]\n[0,3]\n')), {
    message: /range.ndjson line 2, value 1: got 3, expected a value in \[0, 1\]/,
  });
  await t.throwsAsync(loadDataset(join(dir, 'missing.csv')), {
    instanceOf: BoltzflowError,
    message: /--data: got ".*missing.csv", expected .*ENOENT/,
  });
  await t.throwsAsync(collect(readCsv(join(dir, 'missing.csv'))), { instanceOf: BoltzflowError, message: /missing.csv.*ENOENT/ });
  await t.throwsAsync(readIdx(dir), { instanceOf: BoltzflowError, message: /EISDIR/ });
  const d = await loadDataset(file('sq.csv', '0,0.2,0.7,1\n'), { binarize: 'threshold' });
  t.deepEqual(Array.from(d.data.data), [0, 0, 1, 1]);
  t.deepEqual(d.imageShape, [2, 2]);
});

test('loadDataset keeps every row, in order, when a text file outgrows its first buffer (3,000 rows)', async (t) => {
  const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify([(i % 1000) / 1000, 1 - (i % 7) / 7]));
  const d = await loadDataset(file('many.ndjson', lines.join('\n')));
  t.is(d.data.rows, 3000);
  t.is(d.data.data.length, 6000);
  for (const i of [0, 1023, 1024, 2047, 2048, 2999])
    t.deepEqual(
      Array.from(d.data.row(i)),
      JSON.parse(lines[i]).map((x: number) => Math.fround(x)),
    );
  t.is((await loadDataset(file('many2.ndjson', lines.join('\n')), { limit: 1500 })).data.rows, 1500);
});

test('minibatches: every row once per epoch, a short last batch, the order fixed by (seed, epoch)', async (t) => {
  const data = Matrix.from(Array.from({ length: 10 }, (_, i) => [i]));
  const run = (seed: number, start?: { epoch: number; index: number }) =>
    lastValueFrom(
      from(minibatches(data, { batchSize: 4, epochs: 2, seed, start })).pipe(
        map((b) => ({ ...b, rows: Array.from(b.data.data) })),
        toArray(),
      ),
    );
  const a = await run(1);
  t.deepEqual(
    a.map((b) => b.rows.length),
    [4, 4, 2, 4, 4, 2],
  );
  t.deepEqual(
    a.map((b) => b.step),
    [0, 1, 2, 3, 4, 5],
  );
  const epoch0 = a.slice(0, 3).flatMap((b) => b.rows);
  t.deepEqual(
    [...epoch0].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  t.notDeepEqual(
    epoch0,
    a.slice(3).flatMap((b) => b.rows),
    'each epoch has its own order',
  );
  t.deepEqual(
    (await run(1)).map((b) => b.rows),
    a.map((b) => b.rows),
  );
  t.notDeepEqual(
    (await run(2)).map((b) => b.rows),
    a.map((b) => b.rows),
  );
  const resumed = await run(1, { epoch: 1, index: 1 });
  t.deepEqual(
    resumed.map((b) => b.rows),
    a.slice(4).map((b) => b.rows),
  );
  t.deepEqual(
    resumed.map((b) => b.step),
    [4, 5],
  );
  await t.throwsAsync(
    run(1).then(() => collect(minibatches(data, { batchSize: 11, epochs: 1, seed: 1 }))),
    {
      message: /batchSize: got 11, expected an integer in \[1, 10\]/,
    },
  );
});
