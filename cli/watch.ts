import { startWith, Subject } from 'rxjs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { watchFlagsSchema } from '../schemas/cliFlags.js';
import { serveDashboard, type DashboardUpdate, type MetricsRow } from '../sinks/dashboardServer.js';
import { natsConnect } from '../sources/natsConnect.js';
import { subjectAddress } from './metricsSubjectFlag.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';

/** Feed counters, left out of a line while 0. */
const QUIET_AT_ZERO = /^(skipped|dropped|reconnects|redelivered|duplicates)/;

/** What the dashboard says of the followed run. */
const info = (state: 'running' | 'ended', following: string): DashboardUpdate => ({ kind: 'info', info: { state, following } });

/** The counters of a step record (`stepRecord`); every other number in it is a metric. */
const COUNTERS = new Set(['event', 'step', 'epoch', 'index', 'batchesPerEpoch', 'batchSize', 'seconds']);

/**
 * `boltzflow watch nats://HOST:PORT/SUBJECT`: follows the step metrics a run publishes with
 * `--metrics-subject`, from any machine that reaches the server: one line per step (with `--json`,
 * the run's own JSON objects), and with `--dashboard` the live page's curves too, until Ctrl-C or
 * `--count` steps.
 */
export async function watchCommand(args: readonly string[]): Promise<void> {
  const [spec, ...rest] = args;
  if (!spec || spec.startsWith('--'))
    throw new BoltzflowError('watch', spec, 'nats://HOST:PORT/SUBJECT, the subject a run publishes its metrics on');
  const flags = parseFlags(rest, watchFlagsSchema, { command: 'watch' });
  const { server, subject } = subjectAddress(spec, 'watch', undefined);
  const link = await natsConnect({ server }, { field: 'watch', onStatus: (line) => say(`  ${line}`) });
  if (!flags.json) say(`boltzflow watch · nats://${server} subject ${subject} (Ctrl-C stops)`);
  const updates = new Subject<DashboardUpdate>();
  const following = `nats://${server}/${subject}`;
  const page = flags.dashboard
    ? await serveDashboard([{ name: following, updates: updates.pipe(startWith(info('running', following))) }], {
        port: flags['dashboard-port'],
        warn: (line) => process.stderr.write(`warning: ${line}\n`),
      })
    : null;
  if (page && flags.json) emit({ event: 'dashboard', url: page.url });
  else if (page) say(`  dashboard ${page.url}`);
  let seen = 0;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const sub = link.nc.subscribe(subject, {
      callback: (_e, m) => {
        let e: Record<string, unknown>;
        try {
          e = m.json<Record<string, unknown>>();
        } catch {
          return; // not a metrics message
        }
        if (e.event === 'end') {
          updates.next(info('ended', following));
          if (flags.json) emit(e);
          else
            say(
              `the run ${e.failed === true ? 'failed' : 'ended'}${typeof e.step === 'number' ? ` after step ${e.step}` : ' before its first step'} (still following: a run started with the same subject shows here; Ctrl-C stops)`,
            );
          return;
        }
        if (typeof e.step !== 'number') return;
        seen++;
        const metrics = Object.fromEntries(
          Object.entries(e).filter((kv): kv is [string, number] => !COUNTERS.has(kv[0]) && typeof kv[1] === 'number'),
        );
        if (e.step === 1) updates.next({ kind: 'reset' }); // a new run on the subject
        updates.next({ kind: 'rows', rows: [e as MetricsRow] });
        updates.next(info('running', following));
        if (flags.json) emit(e);
        else
          say(
            // Counters still at 0 (skipped and dropped records, reconnects…) are left out of the line; --json has every field.
            [
              `step ${e.step}`,
              ...Object.entries(metrics)
                .filter(([k, v]) => v !== 0 || !QUIET_AT_ZERO.test(k))
                .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`),
            ].join(' · '),
          );
        if (flags.count !== undefined && seen >= flags.count) {
          sub.unsubscribe();
          resolve();
        }
      },
    });
  });
  await link.close();
  if (page && flags.count !== undefined && seen >= flags.count) {
    // --count reached: the page goes on showing what it followed, as a finished run's dashboard does.
    if (flags.json) emit({ event: 'dashboard', url: page.url, serving: 'until a signal' });
    else say(`followed ${seen} steps; the dashboard still serves them at ${page.url}  (Ctrl-C stops)`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
  updates.complete();
  await page?.close();
}
