import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { BoltzflowError } from '../kernels/BoltzflowError.js';

/** One point of a curve; `low`/`high` (both finite, or absent) draw an error bar. */
export interface CurvePoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** A labelled series: one line with markers, one legend entry. */
export interface Curve {
  label: string;
  points: CurvePoint[];
}

export interface PlotCurvesOptions {
  title: string;
  /** Lines under the title (the setting, a caveat). */
  subtitle?: string | string[];
  /** Axis titles, with their units. */
  xTitle: string;
  yTitle: string;
  /** A logarithmic x axis (every x then positive). Default false. */
  xLog?: boolean;
  /** A dashed horizontal reference line across the plot, labelled. */
  reference?: { y: number; label: string };
  /** The picture's size in CSS pixels, axes and legend included (default 800 × 480). */
  width?: number;
  height?: number;
  /** PNG pixels per CSS pixel (default 2). */
  scale?: number;
  /** A marker on every point (default true; a curve of hundreds of points reads better without). */
  markers?: boolean;
}

/**
 * A line chart of labelled curves (markers on every point, a legend, optional error bars and a
 * dashed reference line) as SVG and PNG: a Vega-Lite spec rendered by Vega to SVG, then by resvg to
 * PNG with the system's fonts (DejaVu Sans where present). The PNG is `width·scale` × `height·scale`
 * pixels. Its libraries are optional dependencies: see `writeLearningCurves`, which does without them.
 *
 * Not exported from the package's index (that would load its optional libraries for every user):
 * the library reaches it through `writeLearningCurves`, which loads it only when drawing.
 *
 * @example
 * ```ts
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { writeLearningCurves } from 'boltzflow';
 * const dir = mkdtempSync(join(tmpdir(), 'run-'));
 * writeFileSync(join(dir, 'metrics.ndjson'), [1, 2].map((step) => JSON.stringify({ step, reconstructionError: 60 / step })).join('\n'));
 * console.log((await writeLearningCurves(dir, 'example')).files.length); // 1
 * ```
 */
export async function plotCurves(curves: Curve[], options: PlotCurvesOptions): Promise<{ svg: string; png: Buffer }> {
  const { title, subtitle, xTitle, yTitle, xLog = false, reference, width = 800, height = 480, scale = 2, markers = true } = options;
  if (curves.length === 0) throw new BoltzflowError('curves', curves, 'at least one curve', { got: 'an empty list' });
  const labels = curves.map((c) => c.label);
  if (new Set(labels).size !== labels.length) throw new BoltzflowError('curves', labels.join(', '), 'distinct labels');
  const values = curves.flatMap(({ label, points }) =>
    points.map((p, i) => {
      for (const [field, v] of Object.entries(p) as Array<[string, number]>)
        if (!Number.isFinite(v)) throw new BoltzflowError(`${label} point ${i} ${field}`, v, 'a finite number');
      if (xLog && !(p.x > 0)) throw new BoltzflowError(`${label} point ${i} x`, p.x, 'a positive number (the x axis is logarithmic)');
      return { series: label, x: p.x, y: p.y, ...(p.low !== undefined && p.high !== undefined ? { low: p.low, high: p.high } : {}) };
    }),
  );
  // As many legend columns as the longest label lets fit in the width (at most about 11 px a character at 13 px).
  const entryWidth = 11 * Math.max(...labels.map((l) => l.length)) + 60;
  const legendColumns = Math.max(1, Math.min(labels.length, Math.floor(width / entryWidth)));
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    scale: { domain: labels },
    legend: { orient: 'bottom', columns: legendColumns, labelLimit: Math.floor(width / legendColumns) - 40 },
  };
  const x = { field: 'x', type: 'quantitative', title: xTitle, scale: { type: xLog ? 'log' : 'linear', nice: false, padding: 16 } };
  const y = { field: 'y', type: 'quantitative', title: yTitle, scale: { zero: false, padding: 8 } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: subtitle === undefined ? title : { text: title, subtitle, subtitleFontSize: 12 },
    width,
    height,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 12,
    background: 'white',
    config: { font: 'DejaVu Sans', axis: { labelFontSize: 12, titleFontSize: 13 }, legend: { labelFontSize: 13, symbolSize: 120 } },
    data: { values },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 1.5 },
        transform: [{ filter: 'isValid(datum.low)' }],
        encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color },
      },
      {
        mark: { type: 'line', point: markers ? { size: 60, filled: true } : false, strokeWidth: 2 },
        encoding: { x, y, color, ...(markers ? { shape: color } : {}) },
      },
      ...(reference
        ? [
            { data: { values: [{ y: reference.y }] }, mark: { type: 'rule', strokeDash: [6, 4], color: '#555' }, encoding: { y } },
            {
              data: { values: [{ y: reference.y, text: reference.label }] },
              mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, x: 0, color: '#333', fontSize: 12 },
              encoding: { y, text: { field: 'text' } },
            },
          ]
        : []),
    ],
  } as unknown as TopLevelSpec;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round(width * scale) },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return { svg, png };
}
