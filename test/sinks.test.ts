import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { from, last, lastValueFrom, map, tap } from 'rxjs';
import { Matrix } from '../kernels/Matrix.js';
import { createBm } from '../models/bm.js';
import { applyUpdate } from '../operators/applyUpdate.js';
import { clampVisible } from '../operators/clampVisible.js';
import { collectStats } from '../operators/collectStats.js';
import { gibbsStep } from '../operators/gibbsStep.js';
import { trainDbm } from '../pipelines/trainDbm.js';
import { trainDbn } from '../pipelines/trainDbn.js';
import { trainOnline } from '../pipelines/trainOnline.js';
import { trainRbm } from '../pipelines/trainRbm.js';
import { crc32, encodePng } from '../sinks/encodePng.js';
import { imageGrid, readableZoom } from '../sinks/imageGrid.js';
import { metricsSink } from '../sinks/metricsSink.js';
import { trimMetrics } from '../sinks/trimMetrics.js';
import { progressSink, seconds } from '../sinks/progressSink.js';
import { minibatches } from '../sources/minibatches.js';
import { binaryData } from './helpers.js';

test('encodePng writes a valid PNG: signature, IHDR, CRCs, and the pixels back through inflate', (t) => {
  const pixels = Uint8Array.from({ length: 6 }, (_, i) => i * 40);
  const png = encodePng(3, 2, pixels);
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Array<{ type: string; data: Buffer }> = [];
  for (let o = 8; o < png.length;) {
    const len = png.readUInt32BE(o);
    const type = png.toString('ascii', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + len);
    t.is(png.readUInt32BE(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `CRC of ${type}`);
    chunks.push({ type, data });
    o += 12 + len;
  }
  t.deepEqual(
    chunks.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  );
  t.is(chunks[0].data.readUInt32BE(0), 3);
  t.is(chunks[0].data.readUInt32BE(4), 2);
  t.deepEqual([...inflateSync(chunks[1].data)], [0, 0, 40, 80, 0, 120, 160, 200]);
  t.is(crc32(Buffer.from('123456789')), 0xcbf43926); // the standard check value
});

test('imageGrid tiles images with borders; "each" stretches every tile to its own range', (t) => {
  const g = imageGrid(
    Matrix.from([
      [0, 1, 1, 0],
      [2, 4, 4, 2],
    ]),
    { height: 2, width: 2, columns: 2, scale: 'each' },
  );
  t.is(g.width, 7);
  t.is(g.height, 4);
  t.deepEqual([...g.pixels.subarray(7, 14)], [128, 0, 255, 128, 0, 255, 128]);
  t.throws(() => imageGrid(Matrix.zeros(1, 5), { height: 2, width: 2 }), {
    message: /image shape: got "2×2", expected a shape with 5 pixels/,
  });
});

test('imageGrid zooms each image pixel to zoom × zoom, borders staying 1 pixel; readableZoom makes grids 600 pixels wide or more', (t) => {
  const g = imageGrid(Matrix.from([[0, 1, 1, 0]]), { height: 2, width: 2, zoom: 3 });
  t.is(g.width, 2 * 3 + 2);
  t.is(g.height, 2 * 3 + 2);
  // Row 1 (the first inside the border): the border, pixel (0,0) three times, pixel (0,1) three times, the border.
  t.deepEqual([...g.pixels.subarray(8, 16)], [128, 0, 0, 0, 255, 255, 255, 128]);
  t.deepEqual([...g.pixels.subarray(4 * 8, 5 * 8)], [128, 255, 255, 255, 0, 0, 0, 128], 'row 4: the second image row');
  for (const [columns, width] of [
    [10, 28],
    [10, 4],
    [4, 28],
    [30, 28],
  ]) {
    const zoom = readableZoom(columns, width);
    const wide = columns * (width * zoom + 1) + 1;
    t.true(wide >= 600 && (zoom === 1 || columns * (width * (zoom - 1) + 1) + 1 < 600), `${columns}×${width}: zoom ${zoom}, ${wide} px`);
  }
  t.is(readableZoom(10, 28), 3);
  t.throws(() => imageGrid(Matrix.zeros(1, 4), { height: 2, width: 2, zoom: 0 }), {
    message: /^zoom: got 0, expected an integer 1 to 100$/,
  });
});

test("a resumed run's seconds: trimMetrics returns the last kept step's, metricsSink counts on from them", async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'boltzflow-seconds-')), 'metrics.ndjson');
  writeFileSync(
    path,
    [
      '{"event":"step","step":1,"seconds":40.5}',
      '{"event":"step","step":2,"seconds":81.25}',
      '{"event":"step","step":3,"seconds":1e}',
      '{"event":"step","step":4,"seconds":200}',
    ].join('\n') + '\n',
  );
  t.deepEqual(await trimMetrics(path, 3), { dropped: 1, seconds: 81.25 }, 'step 3 logged a malformed value: the last good one stands');
  const data = binaryData(20, 4, 1);
  const seconds: number[] = [];
  const fd = join(dirname(path), 'more.ndjson');
  await lastValueFrom(trainRbm({ data, config: { nHidden: 2, batchSize: 10 } }).pipe(metricsSink(fd, { secondsFrom: 81.25 }), last()));
  for (const line of readFileSync(fd, 'utf8').trim().split('\n')) seconds.push((JSON.parse(line) as { seconds: number }).seconds);
  t.true(seconds.length === 2 && seconds.every((s) => s >= 81.25 && s < 81.25 + 60), seconds.join(', '));
});

test('metricsSink writes one parseable NDJSON line per step with the metrics', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'boltzflow-metrics-')), 'm', 'metrics.ndjson');
  const data = binaryData(30, 6, 1);
  const seen: number[] = [];
  await lastValueFrom(
    trainRbm({ data, config: { nHidden: 3, batchSize: 10, epochs: 2 } }).pipe(
      metricsSink(path),
      tap((e) => seen.push(e.metrics.reconstructionError)),
      last(),
    ),
  );
  const lines = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  t.is(lines.length, 6);
  t.deepEqual(
    lines.map((l) => l.step),
    [1, 2, 3, 4, 5, 6],
  );
  t.true(lines.every((l) => l.event === 'step'));
  t.deepEqual(
    lines.map((l) => l.reconstructionError),
    seen,
    'each line carries the metrics its step computed',
  );
});

test('progressSink reports epochs with time and mean reconstruction error, and progress lines with ETA', async (t) => {
  const out: string[] = [];
  const data = binaryData(30, 6, 1);
  await lastValueFrom(
    trainRbm({ data, config: { nHidden: 3, batchSize: 10, epochs: 2 } }).pipe(
      progressSink({ epochs: 2, write: (s) => out.push(s), intervalMs: 0, inPlace: false }),
      last(),
    ),
  );
  t.is(out.filter((l) => /^epoch \d\/2 done in .* samples\/s · mean recon \d+\.\d{3}\n$/.test(l)).length, 2);
  t.true(
    out.some((l) => /^epoch 1\/2 · batch 1\/3 · \d+ samples\/s · ETA .* · recon \d+\.\d{3}\n$/.test(l)),
    out.join(''),
  );
  t.is(seconds(3_723_000), '1h02m');
  // A prefix (a DBN's layer) before every line; a DBM's reconstruction error, as an RBM's.
  const dbm: string[] = [];
  await lastValueFrom(
    trainDbm({ data, hidden: [4, 3], config: { batchSize: 10, epochs: 1 } }).pipe(
      progressSink({ epochs: 1, write: (s) => dbm.push(s), intervalMs: 0, inPlace: false, prefix: () => 'layer 1/1 · ' }),
      last(),
    ),
  );
  t.true(
    dbm.some((l) => /^layer 1\/1 · epoch 1\/1 done in .* · mean recon \d+\.\d{3}\n$/.test(l)),
    dbm.join(''),
  );
  // Another kind's metric in words: a general BM's statistics gap.
  const bm: string[] = [];
  await lastValueFrom(
    from(minibatches(data, { batchSize: 10, epochs: 1, seed: 1 })).pipe(
      clampVisible(createBm({ nVisible: 6, nHidden: 2, seed: 1 }), { k: 2 }),
      gibbsStep({ chains: 'persistent', nChains: 10, k: 2 }),
      collectStats(),
      applyUpdate({ learningRate: 0.1 }),
      progressSink({ epochs: 1, write: (s) => bm.push(s), intervalMs: 0, inPlace: false }),
      last(),
    ),
  );
  t.true(
    bm.some((l) => /^epoch 1\/1 done in .* · mean statistics gap \d+\.\d{3}\n$/.test(l)),
    bm.join(''),
  );
  t.is(seconds(65_000), '1m05s');
});

test('progressSink: a run of layers restarts its rate and ETA at each layer, whether steps restart or continue', async (t) => {
  const data = binaryData(30, 6, 1);
  // A clock that moves 1 s per reading: the sink reads it once at the start and once per step, so a step takes 1 s.
  const lines = async (numbered: 'per layer' | 'over all') => {
    const out: string[] = [];
    let ms = 0;
    const layers = [0, 1].map((l) => ({ nHidden: 3, batchSize: 10, epochs: 2, seed: l + 1 }));
    await lastValueFrom(
      trainDbn({ data, layers }).pipe(
        map((e) => (numbered === 'over all' ? { ...e, step: e.totalStep } : e)),
        progressSink({ epochs: 2, write: (s) => out.push(s), intervalMs: 0, inPlace: false, now: () => (ms += 1000) }),
        last(),
      ),
    );
    return out.filter((l) => l.includes('ETA')).map((l) => /batch (\d)\/3 · \d+ samples\/s · ETA ([^ ]+)/.exec(l)!.slice(1).join(' '));
  };
  // 2 epochs × 3 batches a layer; at each progress line the layer's steps left, 1 s each (the last batch of an epoch prints its epoch line).
  const expected = ['1 5.0s', '2 4.0s', '1 2.0s', '2 1.0s'];
  t.deepEqual(await lines('per layer'), [...expected, ...expected]);
  t.deepEqual(await lines('over all'), [...expected, ...expected]);
});

test('progressSink on an online feed: steps, records learned and their rate, skipped and dropped counts', async (t) => {
  const out: string[] = [];
  const data = binaryData(30, 6, 1);
  async function* feed() {
    for (let i = 0; i < 30; i++) yield { values: data.row(i), where: `record ${i}` };
  }
  await lastValueFrom(
    trainOnline({ records: feed(), config: { nHidden: 3, batchSize: 10 }, counters: { droppedRecords: () => 4 } }).pipe(
      progressSink({ epochs: 1, write: (s) => out.push(s), intervalMs: 0, inPlace: false }),
      last(),
    ),
  );
  t.deepEqual(
    out.map((l) => l.replace(/\(\d+\/s\)/, '(R/s)').replace(/recon \d+\.\d{3}/, 'recon E')),
    [1, 2, 3].map((step) => `step ${step} · ${step * 10} records learned (R/s) · recon E · 0 skipped · 4 dropped\n`),
    out.join(''),
  );
});
