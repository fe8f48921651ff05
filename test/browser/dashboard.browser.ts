import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

// The page-side callbacks below run in Chromium; this is the little of the DOM they touch (the project's lib has no DOM).
interface Element {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  naturalWidth?: number;
  querySelector(selector: string): Element | null;
  querySelectorAll(selector: string): ArrayLike<Element>;
}
declare const document: { getElementById(id: string): Element | null; querySelectorAll(selector: string): ArrayLike<Element> };

const bin = fileURLToPath(new URL('../../cli/boltzflow.js', import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = mkdtempSync(join(tmpdir(), 'boltzflow-dashboard-shots-'));

/** A training run with --dashboard and --json; resolves its events as they come. */
function train(args: readonly string[]) {
  const out = mkdtempSync(join(tmpdir(), 'boltzflow-dash-'));
  const run = spawn(process.execPath, [bin, 'train', '--data', 'mnist', '--out', out, '--json', '--dashboard', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: run.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<number | null>((resolve) => run.on('exit', resolve));
  const waitFor = (match: (e: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const look = () => {
        const e = events.find(match);
        if (e) resolve(e);
        else waiters.push(look);
      };
      void exited.then((code) => reject(new Error(`training exited (${code}) first`)));
      look();
    });
  return { run, exited, waitFor };
}

async function withBrowser(body: (page: Page, errors: string[]) => Promise<void>) {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    await body(page, errors);
  } finally {
    await browser.close();
  }
}

const read = (page: Page) =>
  page.evaluate(() => {
    const card = document.getElementById('run-0');
    const chart = (key: string) => Number(document.getElementById(`chart-${key}`)?.dataset.points ?? 0);
    return {
      points: chart('reconstructionError'),
      rate: chart('samplesPerSecond'),
      weightNorm: chart('weightNorm'),
      learningRate: chart('learningRate'),
      filters: Number(card?.querySelector('.image-filters')?.dataset.version ?? 0),
      filterWidth: card?.querySelector('.image-filters')?.naturalWidth ?? 0,
      samples: Number(card?.querySelector('.image-samples')?.dataset.version ?? 0),
      facts: card?.querySelector('.facts')?.textContent ?? '',
      state: card?.querySelector('.state')?.textContent ?? '',
      config: card?.querySelector('.config')?.textContent ?? '',
      heldOutHint: !(document.getElementById('hint-held-out') as unknown as { hidden: boolean }).hidden,
      axes: document.querySelectorAll('#chart-reconstructionError .u-axis').length,
    };
  });

test('the dashboard of a training run updates live in Chromium: charts with axes grow, filters and samples refresh, the run says where it is', async (t) => {
  t.true(existsSync(executablePath), `${executablePath} (Debian's chromium; .ci/run installs it)`);
  const { run, exited, waitFor } = train(['--limit', '2000', '--hidden', '36', '--epochs', '100000', '--sample-steps', '0']);
  const { url } = (await waitFor((e) => e.event === 'dashboard')) as { url: string };
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  try {
    await withBrowser(async (page, errors) => {
      await page.goto(url);
      await page.waitForFunction(
        () =>
          Number(document.getElementById('run-0')?.querySelector('.image-filters')?.dataset.version ?? 0) >= 1 &&
          Number(document.getElementById('chart-reconstructionError')?.dataset.points ?? 0) >= 3,
        undefined,
        { timeout: 60_000 },
      );
      const first = await read(page);
      await page.waitForFunction(
        (before) =>
          Number(document.getElementById('run-0')?.querySelector('.image-filters')?.dataset.version ?? 0) > before.filters &&
          Number(document.getElementById('chart-reconstructionError')?.dataset.points ?? 0) > before.points,
        first,
        { timeout: 60_000 },
      );
      await page.waitForFunction(() => (document.getElementById('run-0')?.querySelector('.image-filters')?.naturalWidth ?? 0) > 0); // the new image loaded
      const later = await read(page);
      t.log(`curve points ${first.points} → ${later.points}; filter images ${first.filters} → ${later.filters}; "${later.facts}"`);
      t.true(later.points > first.points, 'the reconstruction-error curve grew');
      t.true(
        later.rate > 0 && later.weightNorm > 0 && later.learningRate > 0,
        'samples/s, the weight norm and the learning rate are charted',
      );
      t.is(later.axes, 2, 'the chart has its x and y axes');
      t.true(later.filters > first.filters && later.samples >= 1, 'filters and samples refreshed');
      t.is(later.filterWidth, 10 * 29 + 1, 'a 10-wide grid of 28×28 filters with 1-pixel borders');
      t.regex(later.config, /"nHidden": 36/);
      t.regex(later.facts, /^step \d+ of 2000000 · epoch \d+ of 100000 · about .* left/, 'step N of M and the time left');
      t.regex(later.facts, /backend (js|wasm|native)/, 'the backend used, not auto');
      t.regex(later.facts, /learning rate now 0\.\d+ \(linear schedule\)/);
      t.is(later.state, 'running');
      t.true(later.heldOutHint, 'no --validation: the page says how to get held-out curves');
      await page.screenshot({ path: join(shots, 'live.png'), fullPage: true });
      t.deepEqual(errors, [], 'no script errors on the page');
    });
  } finally {
    run.kill('SIGINT');
  }
  t.is(await exited, 0, 'Ctrl-C stops the run cleanly, and the dashboard with it');
  t.log(`screenshots in ${shots}`);
});

test('after a run ends by itself, the dashboard goes on serving it (until Ctrl-C): its curves to the last step, ended, with its images', async (t) => {
  const { run, exited, waitFor } = train(['--limit', '1000', '--hidden', '16', '--epochs', '2', '--batch', '50', '--sample-steps', '10']);
  const kept = (await waitFor((e) => e.event === 'dashboard' && e.serving !== undefined)) as { url: string; serving: string };
  t.is(kept.serving, 'until a signal');
  try {
    await withBrowser(async (page, errors) => {
      await page.goto(kept.url); // opened only once the run is over
      await page.waitForFunction(() => document.getElementById('run-0')?.querySelector('.state')?.textContent === 'ended', undefined, {
        timeout: 30_000,
      });
      const r = await read(page);
      t.regex(r.facts, /^step 40 of 40 · epoch 2 of 2/);
      t.true(r.points >= 2 && r.filters >= 1 && r.samples >= 1, JSON.stringify(r));
      await page.selectOption('#x-axis', 'seconds');
      await page.check('#log-scale');
      const box = await page.locator('#chart-reconstructionError .u-over').boundingBox();
      await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
      const legend = await page.locator('#chart-reconstructionError .u-legend').textContent();
      t.regex(legend ?? '', /seconds of training[\d.]+boltzflow-dash-\w+[\d.]+/, 'hovering shows the values under the cursor');
      await page.screenshot({ path: join(shots, 'ended.png'), fullPage: true });
      t.deepEqual(errors, []);
    });
  } finally {
    run.kill('SIGINT');
  }
  t.is(await exited, 0);
});
