import { extname, join } from 'node:path';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { exportFlagsSchema } from '../schemas/cliFlags.js';
import { checkOutputPath } from '../sinks/checkOutputPath.js';
import { encodeNpz } from '../sinks/encodeNpz.js';
import { modelArrays, type ModelArray } from '../sinks/modelArrays.js';
import { writeOutput } from '../sinks/writeOutput.js';
import { readModelSnapshot } from '../sources/readSnapshot.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';

/** A float32 as text that reads back as the same float32 (9 significant digits), 0 and 1 as they are. */
const text = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(9))));

/** An array's rows (a vector is one row), as lists of numbers. */
function rowsOf(a: ModelArray): number[][] {
  const cols = a.shape.length === 1 ? a.shape[0] : a.shape[1];
  return Array.from({ length: a.data.length / cols }, (_, r) =>
    Array.from(a.data.subarray(r * cols, (r + 1) * cols), (x) => Number(text(x))),
  );
}

/**
 * `boltzflow export --model SNAPSHOT --out FILE`: a model's parameters (see `modelArrays`) for
 * other tools: a NumPy `.npz` (`numpy.load`), JSON (`{"model","arrays":{NAME:{"shape","data"}}}`,
 * nested lists) or a folder of CSV files (one per array, a row per line). The format is told from
 * `--out`'s extension (`.npz`, `.json`), or given with `--format` (`csv` writes into the folder `--out`).
 */
export async function exportCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, exportFlagsSchema, { command: 'export' });
  const ext = extname(flags.out).toLowerCase();
  const byName = ext === '.npz' ? 'npz' : ext === '.json' ? 'json' : ext === '.csv' ? 'csv' : undefined;
  const format = flags.format ?? byName;
  if (!format) throw new BoltzflowError('--out', flags.out, 'a file ending in .npz or .json, or --format npz|csv|json');
  // A name that says another format than --format is a mistake (a JSON file called model.npz), not a choice.
  if (byName && byName !== format) throw new BoltzflowError('--out', flags.out, `a name for --format ${format}, not a .${byName} one`);
  const snapshot = await readModelSnapshot(flags.model);
  const arrays = modelArrays(snapshot);
  const files: string[] = [];
  if (format === 'csv')
    for (const a of arrays) {
      const path = join(flags.out, `${a.name}.csv`);
      checkOutputPath(path, '--out');
      writeOutput(
        path,
        new TextEncoder().encode(
          `${rowsOf(a)
            .map((r) => r.join(','))
            .join('\n')}\n`,
        ),
        '--out',
      );
      files.push(path);
    }
  else {
    checkOutputPath(flags.out, '--out');
    const bytes =
      format === 'npz'
        ? encodeNpz(arrays)
        : new TextEncoder().encode(
            `${JSON.stringify({ model: snapshot.model, arrays: Object.fromEntries(arrays.map((a) => [a.name, { shape: a.shape, data: a.shape.length === 1 ? rowsOf(a)[0] : rowsOf(a) }])) })}\n`,
          );
    writeOutput(flags.out, bytes, '--out');
    files.push(flags.out);
  }
  const summary = {
    event: 'summary',
    model: snapshot.model,
    format,
    arrays: Object.fromEntries(arrays.map((a) => [a.name, a.shape])),
    files,
  };
  if (flags.json) emit(summary);
  else {
    say(
      `exported the ${snapshot.model.toUpperCase()} of ${flags.model} as ${format} to ${format === 'csv' ? `${flags.out}/` : flags.out}:`,
    );
    for (const a of arrays) say(`  ${a.name.padEnd(24)} ${a.shape.join(' × ')}`);
  }
}
