import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLearningCurves } from '../sinks/writeLearningCurves.js';
import { plotCurves, type Curve } from '../sinks/plotCurves.js';
import { crc32 } from '../sinks/encodePng.js';

// The chart of the time-to-quality bench and of every run's curves (sinks/plotCurves.ts): a PNG of the size asked for, and every series drawn.
const curves: Curve[] = [
  {
    label: 'PCD-1 (default)',
    points: [
      { x: 0.07, y: -104.2, low: -104.6, high: -103.9 },
      { x: 0.7, y: -93.1 },
      { x: 7, y: -88.7 },
    ],
  },
  {
    label: 'CD-1',
    points: [
      { x: 0.06, y: -120.2 },
      { x: 6, y: -105 },
    ],
  },
  {
    label: 'parallel tempering',
    points: [
      { x: 0.5, y: -102 },
      { x: 1, y: -97 },
      { x: 2.5, y: -93 },
      { x: 50, y: -87.5 },
    ],
  },
];
const options = {
  title: 'test log-probability against training time',
  xTitle: 'training time (minutes)',
  yTitle: 'test log-probability (nats)',
  xLog: true,
  reference: { y: -86.34, label: 'CD-25, Salakhutdinov & Murray 2008: −86.34' },
  width: 640,
  height: 400,
  scale: 1.5,
};

/** The PNG's chunks, each CRC checked. */
function pngChunks(png: Buffer): Array<{ type: string; data: Buffer; crcOk: boolean }> {
  const chunks = [];
  for (let o = 8; o < png.length;) {
    const len = png.readUInt32BE(o);
    const type = png.toString('ascii', o + 4, o + 8);
    chunks.push({
      type,
      data: png.subarray(o + 8, o + 8 + len),
      crcOk: png.readUInt32BE(o + 8 + len) === crc32(png.subarray(o + 4, o + 8 + len)),
    });
    o += 12 + len;
  }
  return chunks;
}

test('plotCurves writes a valid PNG of width·scale × height·scale pixels', async (t) => {
  const { png } = await plotCurves(curves, options);
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks = pngChunks(png);
  t.is(chunks[0].type, 'IHDR');
  t.is(chunks.at(-1)!.type, 'IEND');
  t.true(chunks.every((c) => c.crcOk));
  t.is(chunks[0].data.readUInt32BE(0), 960);
  t.is(chunks[0].data.readUInt32BE(4), 600);
});

test('plotCurves draws every series: a line and a marker per point, each labelled, in the legend, and the dashed reference', async (t) => {
  const { svg } = await plotCurves(curves, options);
  for (const { label, points } of curves) {
    // Vega labels each mark for screen readers with its datum: "x: 0.07; y: −104.2; series: PCD-1 (default)".
    const marks = svg.split(`series: ${label}"`).length - 1;
    t.true(marks >= points.length + 1, `${label}: ${marks} marks for ${points.length} points`);
    t.true(svg.includes(`>${label}</text>`), `${label} in the legend`);
  }
  t.true(svg.includes('Salakhutdinov &amp; Murray 2008: −86.34'));
  t.regex(svg, /stroke-dasharray="6,4"/);
  t.true(svg.includes('training time (minutes)') && svg.includes('test log-probability (nats)'));
});

test('plotCurves refuses what it cannot draw, naming the point', async (t) => {
  await t.throwsAsync(plotCurves([], options), { message: 'curves: got an empty list, expected at least one curve' });
  const bad = [{ label: 'CD-1', points: [{ x: 0, y: -100 }] }];
  await t.throwsAsync(plotCurves(bad, options), {
    message: /^CD-1 point 0 x: got 0, expected a positive number \(the x axis is logarithmic\)/,
  });
  await t.throwsAsync(plotCurves([{ label: 'CD-1', points: [{ x: 1, y: NaN }] }], options), { message: /^CD-1 point 0 y: got NaN/ });
});

test("writeLearningCurves: a run's reconstruction-error curve (and its held-out one when logged) as PNGs, a kill-cut last line ignored", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'boltzflow-curves-'));
  t.like(await writeLearningCurves(dir, 'none'), { files: [], skipped: 'no metrics.ndjson' });
  const lines = Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({
      event: 'step',
      step: i + 1,
      reconstructionError: 60 - i / 100,
      ...(i % 100 === 0 ? { pseudoLikelihood: -150 + i / 50 } : {}),
    }),
  );
  writeFileSync(join(dir, 'metrics.ndjson'), lines.join('\n') + '\n{"event":"step","step":20'); // the last line cut by a kill
  const { files } = await writeLearningCurves(dir, 'run');
  t.deepEqual(files, [join(dir, 'curves.png'), join(dir, 'curves-held-out.png')]);
  const png = readFileSync(files[0]);
  t.is(png.subarray(1, 4).toString(), 'PNG');
  t.is(png.readUInt32BE(16), 1600, 'the default 800 px at scale 2');
  writeFileSync(
    join(dir, 'metrics.ndjson'),
    lines
      .slice(0, 5)
      .map((l) => l.replace(/"pseudoLikelihood":[^,}]+,?/, ''))
      .join('\n'),
  );
  const only = await writeLearningCurves(dir, 'short');
  t.deepEqual(only.files, [join(dir, 'curves.png')], 'no held-out values: no held-out picture');
  t.true(existsSync(join(dir, 'curves.png')));
});
