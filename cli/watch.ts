import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { natsConnect } from '../sources/natsConnect.js';
import { subjectAddress } from './metricsSubjectFlag.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';
import { watchFlagsSchema } from '../schemas/cliFlags.js';

/**
 * `boltzflow watch nats://HOST:PORT/SUBJECT`: follows the step metrics a run publishes with
 * `--metrics-subject`, from any machine that reaches the server: one line per step (with `--json`,
 * the run's own JSON objects), until Ctrl-C or `--count` steps.
 */
export async function watchCommand(args: readonly string[]): Promise<void> {
  const [spec, ...rest] = args;
  if (!spec || spec.startsWith('--'))
    throw new BoltzflowError('watch', spec, 'nats://HOST:PORT/SUBJECT, the subject a run publishes its metrics on');
  const flags = parseFlags(rest, watchFlagsSchema, Object.keys(watchFlagsSchema.shape), ['json']);
  const { server, subject } = subjectAddress(spec, 'watch', undefined);
  const link = await natsConnect({ server }, { field: 'watch', onStatus: (line) => say(`  ${line}`) });
  if (!flags.json) say(`boltzflow watch · nats://${server} subject ${subject} (Ctrl-C stops)`);
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
        seen++;
        if (flags.json) emit(e);
        else
          say(
            Object.entries(e)
              .filter((kv): kv is [string, number] => kv[0] !== 'event' && typeof kv[1] === 'number')
              .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`)
              .join(' · '),
          );
        if (flags.count !== undefined && seen >= flags.count) {
          sub.unsubscribe();
          resolve();
        }
      },
    });
  });
  await link.close();
}
