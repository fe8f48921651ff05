import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// The page-side callbacks below run in Chromium; this is the little of the DOM they touch (the project's lib has no DOM).
declare const document: {
  getElementById(id: string): { dataset: Record<string, string | undefined>; textContent: string | null; naturalWidth?: number } | null;
};

const bin = fileURLToPath(new URL('../../cli/boltzflow.js', import.meta.url));
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

test('the dashboard of a training run updates live in Chromium: curves grow, filters and samples refresh, the config is shown', async (t) => {
  t.true(existsSync(executablePath), `${executablePath} (Debian's chromium; .ci/run installs it)`);
  const out = mkdtempSync(join(tmpdir(), 'boltzflow-dash-'));
  const run = spawn(
    process.execPath,
    [
      bin,
      'train',
      '--data',
      'mnist',
      '--limit',
      '2000',
      '--hidden',
      '36',
      '--epochs',
      '100000',
      '--out',
      out,
      '--sample-steps',
      '0',
      '--json',
      '--dashboard',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => run.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: run.stdout }).on('line', (line) => {
      const e = JSON.parse(line) as { event: string; url?: string };
      if (e.event === 'dashboard') resolve(e.url!);
    });
    run.on('exit', (code) => reject(new Error(`training exited (${code}) before serving the dashboard`)));
  });
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const browser = await chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    const read = () =>
      page.evaluate(() => ({
        points: Number(document.getElementById('c-reconstructionError')!.dataset.points),
        rate: Number(document.getElementById('c-samplesPerSecond')!.dataset.points),
        filters: Number(document.getElementById('filters')!.dataset.updates),
        samples: Number(document.getElementById('samples')!.dataset.updates),
        filterWidth: document.getElementById('filters')!.naturalWidth,
        config: document.getElementById('config')!.textContent ?? '',
        status: document.getElementById('status')!.textContent ?? '',
      }));
    await page.waitForFunction(
      () =>
        Number(document.getElementById('filters')!.dataset.updates) >= 1 &&
        Number(document.getElementById('c-reconstructionError')!.dataset.points) >= 3,
      undefined,
      { timeout: 60_000 },
    );
    const first = await read();
    await page.waitForFunction(
      (before) =>
        Number(document.getElementById('filters')!.dataset.updates) > before.filters &&
        Number(document.getElementById('c-reconstructionError')!.dataset.points) > before.points,
      first,
      { timeout: 60_000 },
    );
    const later = await read();
    t.log(`curve points ${first.points} → ${later.points}; filter images ${first.filters} → ${later.filters}; status "${later.status}"`);
    t.true(later.points > first.points, 'the reconstruction-error curve grew');
    t.true(later.rate > 0, 'samples/s is plotted');
    t.true(later.filters > first.filters && later.samples >= 1, 'filters and samples refreshed');
    t.is(later.filterWidth, 10 * 29 + 1, 'a 10-wide grid of 28×28 filters with 1-pixel borders');
    t.regex(later.config, /"nHidden": 36/);
    t.regex(later.status, /^step \d+ · epoch \d+/);
    t.deepEqual(errors, [], 'no script errors on the page');
  } finally {
    await browser.close();
    run.kill('SIGINT');
  }
  t.is(await exited, 0, 'Ctrl-C stops the run cleanly');
});
