import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stepRows } from '../sources/runFolderUpdates.js';
import type { CurvePoint, plotCurves } from './plotCurves.js';

/** Points kept per curve: a long run's steps are averaged in this many buckets. */
const MAX_POINTS = 400;

/** The curves a run's pictures draw: the metric, the picture's title and its y axis (short: a long one pushes the title off the picture). */
const CURVES = [
  {
    metric: 'reconstructionError',
    title: 'reconstruction error of the training minibatches',
    axis: 'reconstruction error',
    file: 'curves.png',
  },
  {
    metric: 'testError',
    title: 'test error (boltzflow classify)',
    axis: 'test error (fraction)',
    file: 'curves-test-error.png',
  },
  {
    metric: 'pseudoLikelihood',
    title: 'pseudo-likelihood of the held-out rows',
    axis: 'pseudo-likelihood (nats)',
    file: 'curves-held-out.png',
  },
] as const;

/** The mean of each of at most `MAX_POINTS` consecutive buckets of points (a curve's shape, at any length). */
function buckets(points: CurvePoint[]): CurvePoint[] {
  if (points.length <= MAX_POINTS) return points;
  const size = Math.ceil(points.length / MAX_POINTS);
  const out: CurvePoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    const part = points.slice(i, i + size);
    out.push({ x: part.reduce((s, p) => s + p.x, 0) / part.length, y: part.reduce((s, p) => s + p.y, 0) / part.length });
  }
  return out;
}

/**
 * A run's learning curves as PNG files beside its metrics: `curves.png` (reconstruction error
 * against the step, from `<dir>/metrics.ndjson`, a resumed run's earlier steps included; a DBN's
 * steps, which carry their `layer`, one curve per layer); when held-out pseudo-likelihood was
 * logged, `curves-held-out.png`; when a test error was (`boltzflow classify`), `curves-test-error.png`. Long runs are averaged into at most
 * 400 points. Drawn by Vega-Lite and resvg, optional dependencies: without them (or without any
 * step) nothing is written, and the answer says why.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { writeLearningCurves } from 'boltzflow';
 * const dir = mkdtempSync(join(tmpdir(), 'run-'));
 * const lines = [1, 2, 3, 4].map((step) => JSON.stringify({ event: 'step', step, reconstructionError: 60 / step }));
 * writeFileSync(join(dir, 'metrics.ndjson'), lines.join('\n') + '\n');
 * const { files } = await writeLearningCurves(dir, 'example');
 * console.log(files.length); // 1
 * ```
 */
export async function writeLearningCurves(dir: string, title: string): Promise<{ files: string[]; skipped?: string }> {
  let text: string;
  try {
    text = readFileSync(join(dir, 'metrics.ndjson'), 'utf8');
  } catch {
    return { files: [], skipped: 'no metrics.ndjson' };
  }
  const rows = stepRows(text);
  let plot: typeof plotCurves;
  try {
    ({ plotCurves: plot } = await import('./plotCurves.js'));
  } catch (e) {
    return { files: [], skipped: `the optional packages vega, vega-lite and @resvg/resvg-js are not installed (${(e as Error).message})` };
  }
  const files: string[] = [];
  for (const c of CURVES) {
    // One curve per layer of a DBN (its steps carry `layer`, from 0), else one for the run.
    const series = new Map<string, CurvePoint[]>();
    for (const r of rows) {
      const y = r[c.metric];
      if (typeof y !== 'number' || !Number.isFinite(y)) continue;
      const label = typeof r.layer === 'number' ? `layer ${r.layer + 1}` : title;
      const points = series.get(label) ?? [];
      points.push({ x: r.step as number, y });
      series.set(label, points);
    }
    if (series.size === 0) continue;
    const curves = [...series].map(([label, points]) => ({ label, points: buckets(points), evaluated: points.length }));
    const evaluated = curves.reduce((n, k) => n + k.evaluated, 0);
    const shown = curves.reduce((n, k) => n + k.points.length, 0);
    const { png } = await plot(curves, {
      title: `${title}: ${c.title}`,
      subtitle: `evaluated at ${evaluated} steps${shown < evaluated ? `, averaged in ${shown} points` : ''}`,
      xTitle: 'step',
      yTitle: c.axis,
      markers: shown <= 60,
    });
    const path = join(dir, c.file);
    writeFileSync(path, png);
    files.push(path);
  }
  return files.length > 0 ? { files } : { files, skipped: 'no step logged' };
}
