import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { publishFlagsSchema } from '../schemas/cliFlags.js';
import { publishRecords } from '../sinks/publishRecords.js';
import { seconds } from '../sinks/progressSink.js';
import { loadDataset } from '../sources/loadDataset.js';
import { natsAddress } from '../sources/natsAddress.js';
import { natsConnect } from '../sources/natsConnect.js';
import { emit, say } from './output.js';
import { parseFlags } from './parseFlags.js';

/**
 * `boltzflow publish --to nats://HOST:PORT/STREAM --data PATH|mnist`: publishes every record of a
 * data set (what `train --data` reads, binarised as asked) to a JetStream stream, one message each,
 * each stored before it counts; the stream is created if missing. Ends with a summary whose
 * `published` is the count. Workers then learn from it with `train --online --data
 * nats://HOST:PORT/STREAM?consumer=NAME`.
 */
export async function publishCommand(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, publishFlagsSchema, { command: 'publish' });
  const address = natsAddress(flags.to, '--to', 'refused');
  await (await natsConnect(address, { field: '--to' })).close(); // a server that does not answer is said before the data loads
  const start = performance.now();
  const dataset = await loadDataset(flags.data, {
    binarize: flags.binarize,
    seed: flags.seed,
    limit: flags.limit,
    maxLineBytes: flags['max-line-bytes'],
    field: '--data',
  });
  const loaded = performance.now();
  const target = `nats://${address.server}/${address.name}`;
  if (flags.json) emit({ event: 'start', to: target, data: dataset.name, records: dataset.data.rows, values: dataset.data.cols });
  else say(`boltzflow publish · ${dataset.name}: ${dataset.data.rows}×${dataset.data.cols} (binarize ${flags.binarize}) → ${target}`);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const r = await publishRecords(address, dataset.data, {
      window: flags.window,
      signal: abort.signal,
      onProgress: (n) => (flags.json ? emit({ event: 'progress', published: n }) : say(`  ${n} published`)),
      onStatus: (line) => (flags.json ? emit({ event: 'connection', message: line }) : say(`  ${line}`)),
    });
    const elapsed = (performance.now() - loaded) / 1000;
    const summary = {
      event: 'summary',
      to: target,
      published: r.published,
      of: dataset.data.rows,
      interrupted: abort.signal.aborted,
      streamCreated: r.created,
      firstSequence: r.firstSequence,
      lastSequence: r.lastSequence,
      seconds: Math.round(elapsed * 1000) / 1000,
      recordsPerSecond: Math.round(r.published / Math.max(elapsed, 1e-3)),
      loadSeconds: Math.round(loaded - start) / 1000,
    };
    if (flags.json) emit(summary);
    else
      say(
        `${r.published} of ${dataset.data.rows} records published${r.created ? ' (stream created)' : ''} in ${seconds(elapsed * 1000)} (${summary.recordsPerSecond}/s)` +
          (r.firstSequence !== null ? `, stream sequences ${r.firstSequence}–${r.lastSequence}` : ''),
      );
    if (abort.signal.aborted && r.published < dataset.data.rows)
      throw new BoltzflowError('publish', `${r.published} of ${dataset.data.rows} records`, 'all of them (stopped by a signal)');
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
