#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { evalCommand } from './evaluate.js';
import { say } from './output.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';
import { encoderCommand } from './encoder.js';
import { hopfieldCommand } from './hopfield.js';
import { completeCommand } from './complete.js';
import { publishCommand } from './publish.js';
import { watchCommand } from './watch.js';

const USAGE = `boltzflow — Boltzmann machines trained as RxJS pipelines

usage:
  boltzflow train  [--data mnist|mnist:test|PATH] [--hidden N] [--method cd|pcd|pt] [--keep-hidden] [--replicas M] [--k K] [--lr X]
                   [--lr-schedule constant|linear] [--momentum X] [--weight-decay X] [--batch B] [--epochs E] [--seed S] [--out DIR]
                   [--visible bernoulli|gaussian] [--learn-variance] [--no-centering | --offset-sliding X]
                   [--resume SNAPSHOT] [--overwrite] [--backend auto|native|wasm|js] [--binarize none|threshold|stochastic]
                   [--limit N] [--max-line-bytes N] [--snapshot-every STEPS] [--snapshot-seconds T] [--keep K]
                   [--sample-steps K] [--validation PATH --eval-every STEPS] [--log metrics|snapshots] [--log-every N]
                   [--dashboard] [--dashboard-port P] [--dashboard-host H --dashboard-remote] [--json]
  boltzflow train --online --data -|FILE|tcp://HOST:PORT|http://HOST:PORT|nats://HOST:PORT/STREAM?consumer=NAME
                   [--follow] [--format auto|ndjson|csv] [--buffer N] [--overflow block|drop-oldest|fail]
                   [--bad-records fail|skip] [--drain-seconds T] [--stop-when-idle T] [--max-body-bytes N] [--reconnect]
                   [--ack-wait T] [--average-every STEPS [--average-deadline T] [--worker NAME]] (and the flags above but --epochs)
                   (train, online or not: --snapshot-store nats://HOST:PORT/BUCKET also puts each snapshot in a JetStream
                   object store, as its step and as latest; --model and --resume take nats://HOST:PORT/BUCKET[/NAME];
                   --metrics-subject nats://HOST:PORT/SUBJECT publishes each step's metrics there)
  boltzflow publish --to nats://HOST:PORT/STREAM [--data mnist|mnist:test|PATH] [--limit N] [--binarize …] [--seed S]
                   [--window N] [--json]   (one message per record; the stream is created if missing)
  boltzflow watch nats://HOST:PORT/SUBJECT [--count N] [--dashboard [--dashboard-port P]] [--json]   (the step metrics a run publishes with
                   --metrics-subject SUBJECT, from any machine that reaches the server)
  boltzflow train --model dbn|dbm --layers N1,N2[,…] [--data …] [--epochs E] [--batch B] [--lr X] [--momentum X]
                   [--weight-decay X] [--k K] [--seed S] [--backend …] [--out DIR] [--resume SNAPSHOT] [--snapshot-every STEPS]
                   [--snapshot-seconds T] [--keep K] [--snapshot-store …] [--metrics-subject …] [--json]
                   (a DBN layer by layer, or a DBM; resumes mid-layer)
  boltzflow eval   --model SNAPSHOT --data PATH [--metric reconstruction|pseudo-likelihood|free-energy|exact|ais|raise|ais,raise]
                   (Gaussian models: reconstruction, the default, free-energy or exact; a DBM: ais, the default, or exact,
                   its mean-field lower bound on ln P(v))
                   [--ais-runs N] [--ais-steps K] [--raise-runs N] [--binarize …] [--limit N] [--seed S] [--json]
  boltzflow sample --model SNAPSHOT [--n N] [--steps K] [--out FILE.png|.csv|.ndjson] [--seed S] [--backend …] [--json]
                   (an RBM's, DBM's or DBN's snapshot: P(v | h¹) after K steps of its Gibbs sampler; a DBN: Gibbs in
                   its top RBM, then a down pass, with its trained layers only)
  boltzflow encoder V-H-V [--seeds N] [--max-cycles N] [--keep N] [--min-distance N] [--noise-on X]
                   [--noise-off X] [--step X] [--threshold X] [--repeats N] [--weight-std X]
                   [--probes random|shuffled] [--success codes|recall] [--check-every N] [--json]
  boltzflow hopfield [--units N] [--max-patterns P] [--step S] [--trials T] [--noise X] [--json]
  boltzflow complete --model SNAPSHOT --data PATH [--n N] [--known top|bottom|left|right]
                   [--samples N] [--steps K] [--seed S] [--out FILE.png] [--json]
                   (an RBM or DBM: Gibbs with the known units clamped, the exact conditional; a DBN: up-down
                   sweeps clamping them at each visit, exact for one layer, an approximation above)

PATH is an IDX file, a CSV of numeric rows or NDJSON (one array per line), values in [0, 1];
any real values with --visible gaussian, standardised per column (the fit is saved with the run and
applied by eval, sample, complete and --resume; online runs take Bernoulli units only).
With --json, stdout is NDJSON: one event per line and a final {"event":"summary",…}.
SIGINT, SIGTERM and SIGHUP stop a run and save it (exit 0); a second signal exits at once (130).
`;

const commands: Record<string, (args: readonly string[]) => Promise<void>> = {
  train: trainCommand,
  eval: evalCommand,
  sample: sampleCommand,
  encoder: encoderCommand,
  hopfield: hopfieldCommand,
  complete: completeCommand,
  publish: publishCommand,
  watch: watchCommand,
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const run = commands[command];
  if (!run) throw new BoltzflowError('command', command, `one of ${Object.keys(commands).join(', ')}, help`);
  enableRelaxedSimd(); // the program's decision (a process-wide V8 flag on Node 20): the wasm backend's fused build
  await run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const line = e instanceof BoltzflowError ? e.message : systemErrorLine(e);
    if (line !== undefined) {
      say(`boltzflow: ${line}`);
      process.exitCode = 2;
    } else {
      say(`boltzflow: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }
  },
);

/**
 * A Node system error that no command turned into a BoltzflowError is the user's environment, not
 * a bug: one line. With a path (ENOENT, EISDIR, EROFS…) it names the path; without one (stdout on
 * a full disk or a closed pipe) it is Node's own line, e.g. `ENOSPC: no space left on device, write`.
 */
function systemErrorLine(e: unknown): string | undefined {
  const { code, path, syscall } = (e ?? {}) as NodeJS.ErrnoException;
  if (!(e instanceof Error) || typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return undefined;
  const reason = e.message.split(', ')[0].replace(/\s+/g, ' ');
  if (typeof path === 'string') return new BoltzflowError('file', path, `a usable path (${syscall ?? 'access'} failed: ${reason})`).message;
  return typeof syscall === 'string' ? `${reason}, ${syscall}` : undefined;
}
