import { readFileSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { decodeModelSnapshot } from '../schemas/modelSnapshot.js';
import { MAX_SNAPSHOT_BYTES } from '../sources/readSnapshot.js';
import { classifyFlagsSchema } from '../schemas/classifyFlags.js';
import { encoderFlagsSchema } from '../schemas/encoderFlags.js';
import {
  completeFlagsSchema,
  dashboardFlagsSchema,
  evalFlagsSchema,
  exportFlagsSchema,
  hopfieldFlagsSchema,
  publishFlagsSchema,
  sampleFlagsSchema,
  transformFlagsSchema,
  watchFlagsSchema,
} from '../schemas/cliFlags.js';
import { commandHelp, type CommandHelp } from './commandHelp.js';
import { classifyCommand } from './classify.js';
import { completeCommand } from './complete.js';
import { dashboardCommand } from './dashboard.js';
import { flagValue } from './parseFlags.js';
import { encoderCommand } from './encoder.js';
import { evalCommand } from './evaluate.js';
import { exportCommand } from './export.js';
import { hopfieldCommand } from './hopfield.js';
import { publishCommand } from './publish.js';
import { sampleCommand } from './sample.js';
import { trainCommand, trainHelpSchema } from './train.js';
import { transformCommand } from './transform.js';
import { deepFlagsSchema } from './trainDeep.js';
import { watchCommand } from './watch.js';

interface Command extends CommandHelp {
  run(args: readonly string[]): Promise<void>;
  /** The flags its help lists (the arguments say which, where a flag changes them: `train --model dbn`). */
  flags(args: readonly string[]): z.ZodObject;
}

const data =
  'PATH is an IDX file, a CSV of numeric rows or NDJSON (one array per line), values in [0, 1]; any real values with --visible gaussian, standardised per column (the fit is saved with the run and applied by eval, sample, complete and --resume).';
const signals = 'SIGINT, SIGTERM and SIGHUP stop a run and save it (exit 0); a second signal exits at once (130).';

/** The model kind of a `--resume` snapshot file, for its help (`train --resume DBN.msgpack --help`); undefined where it cannot be read. */
function resumedKind(args: readonly string[]): string | undefined {
  const path = flagValue(args, '--resume');
  if (!path || path.startsWith('nats://')) return undefined;
  try {
    const file = statSync(path);
    if (!file.isFile() || file.size > MAX_SNAPSHOT_BYTES) return undefined; // not read for help: the run says why
    return decodeModelSnapshot(readFileSync(path), path).model;
  } catch {
    return undefined; // the run itself says why it cannot read it
  }
}

/** The CLI's commands by name: what each runs, and what its `--help` says (generated from the schema that validates its flags). */
const TABLE: Readonly<Record<string, Omit<Command, 'command'>>> = {
  train: {
    summary: 'train an RBM on a data set, or online from a feed (--online); a DBN or DBM with --model dbn|dbm',
    notes: [data, signals],
    run: trainCommand,
    flags: (args) => (['dbn', 'dbm'].includes(flagValue(args, '--model') ?? resumedKind(args) ?? '') ? deepFlagsSchema : trainHelpSchema()),
  },
  eval: {
    summary: "a model's quality on data: reconstruction, pseudo-likelihood, free energy, or ln P(v) exactly, by AIS or by RAISE",
    run: evalCommand,
    flags: () => evalFlagsSchema,
  },
  sample: {
    summary: "samples from an RBM's, DBN's or DBM's Gibbs sampler, as a PNG grid, CSV or NDJSON",
    run: sampleCommand,
    flags: () => sampleFlagsSchema,
  },
  complete: {
    summary: 'pattern completion: half of each image given, the rest sampled from the model',
    run: completeCommand,
    flags: () => completeFlagsSchema,
  },
  transform: {
    summary: "features for a downstream model: each record's hidden probabilities (an RBM's, a DBN's top layer, a DBM's mean field)",
    run: transformCommand,
    flags: () => transformFlagsSchema,
  },
  export: {
    summary: "a model's parameters for other tools: a NumPy .npz, JSON, or CSV files",
    notes: [
      "Python: z = numpy.load('model.npz'); z['weights'] is nVisible × nHidden, z['visible_bias'] and z['hidden_bias'] the biases (a DBM: weights_1 … and hidden_bias_1 …; a DBN: layer_1_weights …).",
    ],
    run: exportCommand,
    flags: () => exportFlagsSchema,
  },
  publish: {
    summary: 'publish records to a NATS JetStream stream, one message each, for train --online workers',
    run: publishCommand,
    flags: () => publishFlagsSchema,
  },
  watch: {
    summary: 'follow the step metrics a run publishes with --metrics-subject, from any machine that reaches the server',
    positional: 'nats://HOST:PORT/SUBJECT',
    run: watchCommand,
    flags: () => watchFlagsSchema,
  },
  dashboard: {
    summary: 'serve the dashboard of run folders, finished or running, overlaid: every metric charted, images, config',
    positional: 'RUN_DIR [RUN_DIR…]',
    notes: [
      'A RUN_DIR is what train --out writes (metrics.ndjson, run.json, filters.png); a folder of such folders shows all of them. Running runs update as they go; Ctrl-C stops.',
    ],
    run: dashboardCommand,
    flags: () => dashboardFlagsSchema,
  },
  encoder: {
    summary: 'the encoder problem of Ackley, Hinton & Sejnowski (1985), by their protocol: 4-2-4, 4-3-4, 8-3-8, 40-10-40',
    positional: 'V-H-V',
    run: encoderCommand,
    flags: () => encoderFlagsSchema,
  },
  classify: {
    summary: 'train a classification RBM (inputs and a label) and report its test error, test a saved one, or fine-tune a DBN or DBM',
    notes: [
      'Objectives (Larochelle & Bengio 2008): generative ln P(x, y), discriminative ln p(y | x) (its exact gradient), hybrid ln p(y | x) + α ln P(x, y). MNIST brings its labels; other data take --labels. With --model DBN (boltzflow train --model dbn --out D, then --model D/snapshot.msgpack), the DBN is unrolled under a softmax and fine-tuned by backpropagation (not saved).',
    ],
    run: classifyCommand,
    flags: () => classifyFlagsSchema,
  },
  hopfield: {
    summary: "a Hopfield network's capacity: recall against the number of stored patterns",
    run: hopfieldCommand,
    flags: () => hopfieldFlagsSchema,
  },
};

export const COMMANDS: Readonly<Record<string, Command>> = Object.fromEntries(
  Object.entries(TABLE).map(([command, c]) => [command, { command, ...c }]),
);

/** `boltzflow COMMAND --help`. */
export function helpOf(command: Command, args: readonly string[]): string {
  return commandHelp(command, command.flags(args));
}

/** `boltzflow --help`: the commands, one line each. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'boltzflow — Boltzmann machines trained as RxJS pipelines',
    '',
    'usage: boltzflow COMMAND [flags]',
    '       boltzflow COMMAND --help   (every flag of COMMAND, its default and its range)',
    '',
    'commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.command.padEnd(width)}  ${c.summary}`),
    '',
    'With --json, stdout is NDJSON: one event per line and a final {"event":"summary",…}.',
    signals,
    '',
  ].join('\n');
}

/**
 * `docs/cli.md`: the top-level help and every command's `--help` (a DBN's and DBM's `train` too),
 * as generated; `npm run docs:cli` writes it, and a test keeps it equal to what the CLI prints.
 */
export function cliReference(): string {
  const block = (title: string, text: string) => `## ${title}\n\n\`\`\`text\n${text.trimEnd()}\n\`\`\`\n`;
  return [
    '# The boltzflow command line\n',
    'Generated from the schemas that validate the flags (`npm run docs:cli`); `boltzflow COMMAND --help` prints the same.\n',
    block('boltzflow --help', usage()),
    ...Object.values(COMMANDS).map((c) => block(`boltzflow ${c.command}`, helpOf(c, []))),
    block('boltzflow train --model dbn|dbm', helpOf(COMMANDS.train, ['--model', 'dbn'])),
  ].join('\n');
}
