// The dashboard's page and script, served by dashboardSink from memory (no CDN, no files).

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>boltzflow · live training</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0 0 .3em; }
  #status { color: #666; margin-bottom: 1em; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 1em; }
  .card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .8em; }
  .card h2 { font-size: 1em; margin: 0 0 .5em; }
  canvas { width: 100%; height: 160px; }
  img { image-rendering: pixelated; width: 100%; max-width: 420px; background: #888; }
  pre { font-size: 12px; overflow: auto; max-height: 320px; margin: 0; }
  .value { float: right; font-variant-numeric: tabular-nums; color: #555; }
</style>
</head>
<body>
<h1>boltzflow · live training</h1>
<div id="status">connecting…</div>
<div class="grid">
  <div class="card"><h2>reconstruction error <span class="value" id="v-reconstructionError"></span></h2><canvas id="c-reconstructionError" data-points="0"></canvas></div>
  <div class="card"><h2>pseudo-likelihood (held out) <span class="value" id="v-pseudoLikelihood"></span></h2><canvas id="c-pseudoLikelihood" data-points="0"></canvas></div>
  <div class="card"><h2>free-energy gap <span class="value" id="v-freeEnergyGap"></span></h2><canvas id="c-freeEnergyGap" data-points="0"></canvas></div>
  <div class="card"><h2>samples/s <span class="value" id="v-samplesPerSecond"></span></h2><canvas id="c-samplesPerSecond" data-points="0"></canvas></div>
  <div class="card"><h2>filters</h2><img id="filters" alt="filters (waiting for the first image)" data-updates="0"></div>
  <div class="card"><h2>samples from the chains</h2><img id="samples" alt="samples (waiting for the first image)" data-updates="0"></div>
  <div class="card"><h2>config</h2><pre id="config"></pre></div>
</div>
<script src="/app.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
const series = { reconstructionError: [], pseudoLikelihood: [], freeEnergyGap: [], samplesPerSecond: [] };
const status = document.getElementById('status');
function draw(name) {
  const canvas = document.getElementById('c-' + name);
  const points = series[name];
  canvas.dataset.points = String(points.length);
  const w = (canvas.width = canvas.clientWidth * devicePixelRatio), h = (canvas.height = canvas.clientHeight * devicePixelRatio);
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  if (points.length === 0) return;
  let lo = Infinity, hi = -Infinity;
  for (const [, y] of points) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
  if (hi === lo) { hi += 1; lo -= 1; }
  const x0 = points[0][0], x1 = Math.max(points[points.length - 1][0], x0 + 1);
  ctx.strokeStyle = '#1f6feb'; ctx.lineWidth = 2 * devicePixelRatio; ctx.beginPath();
  points.forEach(([x, y], i) => {
    const px = ((x - x0) / (x1 - x0)) * (w - 8) + 4, py = h - 4 - ((y - lo) / (hi - lo)) * (h - 8);
    i ? ctx.lineTo(px, py) : ctx.moveTo(px, py);
  });
  ctx.stroke();
  document.getElementById('v-' + name).textContent = points[points.length - 1][1].toPrecision(5);
}
const events = new EventSource('/events');
events.addEventListener('open', () => (status.textContent = 'connected'));
events.addEventListener('error', () => (status.textContent = 'disconnected (the run may have ended)'));
events.addEventListener('config', (e) => (document.getElementById('config').textContent = JSON.stringify(JSON.parse(e.data), null, 2)));
events.addEventListener('metrics', (e) => {
  const m = JSON.parse(e.data);
  status.textContent = 'step ' + m.step + (m.epoch !== null ? ' · epoch ' + (m.epoch + 1) : '');
  for (const name of Object.keys(series)) {
    if (typeof m[name] !== 'number') continue;
    series[name].push([m.step, m[name]]);
    if (series[name].length > 2000) series[name].splice(0, series[name].length - 2000);
    draw(name);
  }
});
for (const name of ['filters', 'samples'])
  events.addEventListener(name, (e) => {
    const img = document.getElementById(name);
    img.src = 'data:image/png;base64,' + e.data;
    img.dataset.updates = String(Number(img.dataset.updates) + 1);
  });
`;
