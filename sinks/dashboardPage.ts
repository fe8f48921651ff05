// The dashboard's page and script, served by serveDashboard from memory; the charts are uPlot's,
// served from the installed package (no CDN). The script polls /api/runs and fetches new rows.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>boltzflow dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/uplot.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.2em 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0; display: inline-block; margin-right: 1em; }
  header { margin-bottom: .6em; }
  #controls { display: inline-flex; gap: 1.2em; align-items: center; color: #444; flex-wrap: wrap; }
  #status { color: #666; margin: .3em 0 1em; font-size: 12px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1em; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .7em .8em; min-width: 0; }
  .card h2 { font-size: 1em; margin: 0 0 .4em; }
  .card h2 small { font-weight: normal; color: #777; }
  .run h2 .swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .4em; vertical-align: -1px; }
  .run .facts { color: #333; line-height: 1.6; font-variant-numeric: tabular-nums; }
  .run .images { display: flex; gap: .8em; flex-wrap: wrap; margin-top: .5em; }
  .run figure { margin: 0; }
  .run figcaption { font-size: 12px; color: #666; }
  .run img { image-rendering: pixelated; width: 260px; background: #888; }
  pre { font-size: 12px; overflow: auto; max-height: 300px; margin: .3em 0 0; }
  #runs { margin-bottom: 1em; }
  .hint { color: #6a5300; background: #fff8c5; border: 1px solid #eed888; border-radius: 6px; padding: .5em .8em; margin: .6em 0; }
  .note { color: #666; font-size: 12px; margin: .6em 0; }
</style>
</head>
<body>
<header>
  <h1>boltzflow</h1>
  <span id="controls">
    <label>x axis <select id="x-axis"><option value="step">step</option><option value="seconds">time (seconds)</option></select></label>
    <label>smoothing <input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0.6"> <span id="smoothing-value">0.60</span></label>
    <label><input type="checkbox" id="log-scale"> log scale</label>
  </span>
</header>
<div id="status" data-polls="0">connecting…</div>
<section id="runs" class="grid"></section>
<div id="hint-held-out" class="hint" hidden>Pseudo-likelihood and the free-energy gap on held-out data are not logged by these runs: train with <code>--validation PATH</code> (held-out data, e.g. <code>mnist:test</code>) to chart them.</div>
<section id="charts" class="grid"></section>
<p id="zero-metrics" class="note" hidden></p>
<script src="/uplot.js"></script>
<script src="/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
/* global uPlot */
const COUNTERS = new Set(['event', 'step', 'layer', 'epoch', 'index', 'batchesPerEpoch', 'batchSize', 'seconds']);
const COLORS = ['#1f6feb', '#d1242f', '#2da44e', '#bf8700', '#8250df', '#0598bc', '#e16f24', '#57606a'];
const NAMES = {
  reconstructionError: 'reconstruction error',
  pseudoLikelihood: 'pseudo-likelihood (held out)',
  freeEnergyGap: 'free-energy gap (held out − train)',
  freeEnergyTrain: 'mean free energy (training rows)',
  freeEnergyValidation: 'mean free energy (held-out rows)',
  weightNorm: 'weight norm',
  learningRate: 'learning rate',
  samplesPerSecond: 'samples/s',
  meanFieldIterations: 'mean-field iterations',
};
/** A metric's title: its name in words where none is given (skippedBadJson → skipped bad json). */
const title = (key) => NAMES[key] || key.replace(/[A-Z]/g, (c) => ' ' + c.toLowerCase());
const runs = [];
const charts = new Map();
let changed = true; // what the page shows is out of date (new rows, info or images, or a control moved)
const $ = (id) => document.getElementById(id);
const el = (tag, props, ...children) => {
  const e = Object.assign(document.createElement(tag), props || {});
  for (const c of children) e.append(c);
  return e;
};
const settings = () => ({ x: $('x-axis').value, smoothing: Number($('smoothing').value), log: $('log-scale').checked });

function duration(s) {
  if (!isFinite(s)) return '—';
  if (s < 10) return s.toFixed(1) + ' s';
  if (s < 60) return s.toFixed(0) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
  return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
}
const num = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 4 });
const axisValue = (v) => (v === null ? '' : Math.abs(v) >= 1e4 ? compact.format(v) : fmt(v));
const fmt = (v) => (v === null || v === undefined ? '—' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : Number(v.toPrecision(5)).toString());

/** Samples per second between consecutive rows (over a window of 10 rows), a metric of its own. */
function withRate(rows) {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.samplesPerSecond !== undefined) continue;
    const j = Math.max(0, i - 10);
    let samples = 0;
    for (let k = j + 1; k <= i; k++) samples += num(rows[k].batchSize) || 0;
    const dt = (num(r.seconds) ?? 0) - (num(rows[j].seconds) ?? 0);
    r.samplesPerSecond = i > j && dt > 0 ? samples / dt : null;
  }
}

/** Where a run is: step N of M (M from its config's epochs and its steps per epoch), and the time left while it runs. */
function progress(run) {
  const last = run.rows[run.rows.length - 1];
  if (!last) return { text: 'no step yet', total: null };
  const epochs = run.info.config && num(run.info.config.epochs);
  const perEpoch = num(last.batchesPerEpoch);
  const total = epochs && perEpoch ? epochs * perEpoch : null;
  let text = 'step ' + last.step + (total ? ' of ' + total : '') + (num(last.epoch) !== null && perEpoch ? ' · epoch ' + (last.epoch + 1) + (epochs ? ' of ' + epochs : '') : '');
  if (total && run.info.state === 'running') {
    const back = run.rows[Math.max(0, run.rows.length - 50)];
    const perStep = (last.seconds - back.seconds) / Math.max(1, last.step - back.step);
    if (last.step < total && perStep > 0) text += ' · about ' + duration((total - last.step) * perStep) + ' left';
  }
  if (num(last.seconds) !== null) text += ' · ' + duration(last.seconds) + ' of training';
  return { text, total };
}

function renderRun(run) {
  let card = $('run-' + run.id);
  if (!card) {
    const swatch = el('span', { className: 'swatch' });
    swatch.style.background = COLORS[run.id % COLORS.length];
    card = el(
      'div',
      { className: 'card run', id: 'run-' + run.id },
      el('h2', {}, swatch, run.name + ' ', el('small', { className: 'state' })),
      el('div', { className: 'facts' }),
      el('div', { className: 'images' }),
      el('details', {}, el('summary', { textContent: 'config' }), el('pre', { className: 'config' })),
    );
    $('runs').append(card);
  }
  const last = run.rows[run.rows.length - 1] || {};
  const info = run.info;
  card.querySelector('.state').textContent = info.state === 'running' ? 'running' : info.state === 'ended' ? 'ended' : 'stopped (its process is gone)';
  const p = progress(run);
  const lines = [
    p.text,
    (info.model ? info.model + ' · ' : '') + 'backend ' + (info.backend || 'unknown') + (info.threads > 1 ? ' (' + info.threads + ' threads)' : ''),
    'learning rate now ' + fmt(num(last.learningRate)) + (info.config && info.config.learningRateSchedule ? ' (' + info.config.learningRateSchedule + ' schedule)' : ''),
  ];
  card.querySelector('.facts').replaceChildren(...lines.map((line) => el('div', { textContent: line })));
  card.querySelector('.config').textContent = JSON.stringify(info.config ?? null, null, 2);
  card.dataset.step = String(last.step ?? '');
  card.dataset.total = String(p.total ?? '');
  for (const name of ['filters', 'samples']) {
    const v = run.images[name];
    if (!v) continue;
    let img = card.querySelector('.image-' + name);
    if (!img) {
      img = el('img', { alt: name + ' of ' + run.name, className: 'image-' + name });
      const caption = name === 'filters' ? 'filters (weights of up to 100 hidden units)' : 'samples from the chains';
      card.querySelector('.images').append(el('figure', {}, img, el('figcaption', { textContent: caption })));
    }
    if (img.dataset.version === String(v)) continue;
    img.dataset.version = String(v);
    img.src = '/api/image?run=' + run.id + '&name=' + name + '&v=' + v;
  }
}

/** Exponential moving average, debiased at the start (as TensorBoard smooths); it starts again where a DBN's layer changes. */
function smooth(ys, w, layers) {
  if (w <= 0) return ys;
  const out = new Array(ys.length);
  let acc = 0, n = 0;
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] === null) { out[i] = null; continue; }
    if (i > 0 && layers[i] !== layers[i - 1]) { acc = 0; n = 0; }
    acc = acc * w + (1 - w) * ys[i];
    n++;
    out[i] = acc / (1 - Math.pow(w, n));
  }
  return out;
}

function renderChart(key, s) {
  const tables = [];
  let points = 0, positive = true;
  for (const run of runs) {
    const xs = [], ys = [], layers = [];
    for (const r of run.rows) {
      const x = num(r[s.x]), y = num(r[key]);
      if (x === null || y === null) continue;
      if (xs.length && x <= xs[xs.length - 1]) continue; // a resumed run's overlap: keep the first
      xs.push(x); ys.push(y); layers.push(r.layer);
      if (y <= 0) positive = false;
    }
    points += xs.length;
    tables.push([xs, smooth(ys, s.smoothing, layers)]);
  }
  const log = s.log && positive;
  const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
  const shape = s.x + '|' + log + '|' + runs.length;
  let c = charts.get(key);
  if (!c) {
    const heading = el('h2', { textContent: title(key) });
    const note = el('small', {});
    heading.append(' ', note);
    const box = el('div', { className: 'chart' });
    const card = el('div', { className: 'card', id: 'chart-' + key }, heading, box);
    $('charts').append(card);
    c = { card, box, note, plot: null, shape: '' };
    charts.set(key, c);
  }
  c.note.textContent = s.log && !positive ? '(linear: it has values ≤ 0)' : '';
  c.card.dataset.points = String(points);
  c.card.dataset.series = String(tables.filter((t) => t[0].length > 0).length);
  if (c.plot && c.shape === shape) return c.plot.setData(data);
  if (c.plot) c.plot.destroy();
  c.shape = shape;
  const xLabel = s.x === 'step' ? 'step' : 'seconds of training';
  c.plot = new uPlot(
    {
      width: Math.max(300, c.box.clientWidth),
      height: 230,
      scales: { x: { time: false }, y: { distr: log ? 3 : 1 } },
      series: [{ label: xLabel }].concat(runs.map((r) => ({ label: r.name, stroke: COLORS[r.id % COLORS.length], width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => fmt(v) }))),
      axes: [{ label: xLabel, labelSize: 20 }, { values: (u, vals) => vals.map(axisValue), size: (u, values) => (values ? Math.max(...values.map((v) => String(v).length)) * 7 + 18 : 40) }],
      legend: { live: true },
    },
    data,
    c.box,
  );
}

function render() {
  for (const run of runs) renderRun(run);
  const s = settings();
  const keys = new Map();
  for (const run of runs)
    for (const r of run.rows)
      for (const [k, v] of Object.entries(r))
        if (!COUNTERS.has(k) && typeof v === 'number') keys.set(k, (keys.get(k) || false) || v !== 0);
  const zero = [];
  for (const [key, nonZero] of keys) {
    if (!nonZero) { zero.push(key); continue; }
    renderChart(key, s);
  }
  $('zero-metrics').hidden = zero.length === 0;
  $('zero-metrics').textContent = 'Logged and always 0, so not charted: ' + zero.join(', ') + '.';
  $('hint-held-out').hidden = runs.length === 0 || keys.has('pseudoLikelihood') || keys.has('freeEnergyGap');
}

async function poll() {
  try {
    const list = await (await fetch('/api/runs')).json();
    for (const r of list) {
      const run = runs[r.id] || (runs[r.id] = { id: r.id, name: r.name, rows: [], images: {}, info: {} });
      if (JSON.stringify(run.info) !== JSON.stringify(r.info) || JSON.stringify(run.images) !== JSON.stringify(r.images) || r.rows !== run.rows.length) changed = true;
      run.info = r.info;
      if (r.rows < run.rows.length) run.rows = [];
      while (run.rows.length < r.rows) {
        const more = await (await fetch('/api/rows?run=' + r.id + '&from=' + run.rows.length)).json();
        if (more.length === 0) break;
        for (const row of more) run.rows.push(row);
      }
      withRate(run.rows);
      run.images = r.images;
    }
    $('status').textContent = runs.length + ' run(s) · updated ' + new Date().toLocaleTimeString() + ' · hover a chart for its values';
    $('status').dataset.polls = String(Number($('status').dataset.polls) + 1);
    if (changed) render(); // not otherwise: a chart being hovered keeps its values
    changed = false;
  } catch (e) {
    $('status').textContent = 'the dashboard server does not answer (' + e.message + '); trying again';
  }
  setTimeout(poll, 1000);
}
for (const id of ['x-axis', 'smoothing', 'log-scale'])
  $(id).addEventListener('input', () => {
    $('smoothing-value').textContent = Number($('smoothing').value).toFixed(2);
    render();
    changed = false;
  });
addEventListener('resize', () => {
  for (const c of charts.values()) if (c.plot) c.plot.setSize({ width: Math.max(300, c.box.clientWidth), height: 230 });
});
poll();
`;
