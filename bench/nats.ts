/**
 * Online learning through NATS JetStream (issue 17), against a real `nats-server -js` started here
 * on a loopback port: records/s learned by 1, 2 and 3 workers sharing a durable consumer, beside
 * the same records from a local file (one worker, and two on half the records each), and the broker's cost per record; then a fault run — two
 * workers, one SIGKILLed at several moments and resumed — with published, learned, duplicates and
 * what the consumer still holds at the end. Each worker has one BLAS thread (the machine's cores
 * are shared out, not oversubscribed). Then the quality of one pass over the records by one worker, by two that
 * average their parameters every 10 steps, and by two that do not. Run:
 * `npm run bench:nats [-- RECORDS FAULT_RECORDS HIDDEN QUALITY_RECORDS]` (default 10000 20000 500 60000).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream';
import { publishRecords, recordMessage } from '../sinks/publishRecords.js';
import { loadDataset } from '../sources/loadDataset.js';
import { natsAddress } from '../sources/natsAddress.js';
import { readModelSnapshot, readSnapshot } from '../sources/readSnapshot.js';
import { encodeModelSnapshot } from '../schemas/modelSnapshot.js';
import { bin, runCli, type CliRun } from '../test/cliRun.js';
import { startNatsServer } from '../test/natsServer.js';
import { positiveInteger } from './args.js';

const records = positiveInteger(0, 'records for the throughput runs', 10_000);
const faultRecords = positiveInteger(1, 'records for the fault runs', 20_000);
const hidden = String(positiveInteger(2, 'hidden units', 500));
const qualityRecords = positiveInteger(3, 'records for the quality runs', 60_000);
process.env.OPENBLAS_NUM_THREADS = '1';
const model = ['--hidden', hidden, '--k', '1', '--batch', '100', '--snapshot-seconds', '0', '--sample-steps', '0', '--json'];
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-bench-nats-'));
const server = await startNatsServer();
const host = server.url.slice('nats://'.length);

const { data } = await loadDataset('mnist', { binarize: 'stochastic', seed: 1, limit: Math.max(records, faultRecords, qualityRecords) });
const summaryOf = (run: CliRun) => run.events.find((e) => e.event === 'summary') as Record<string, number>;
/** Wall time from the first step any worker took to the last one, and what they learned. */
function span(runs: CliRun[], stamps: Map<CliRun, number[]>) {
  const all = runs.flatMap((r) => stamps.get(r)!);
  return (Math.max(...all) - Math.min(...all)) / 1000;
}
function watch(run: CliRun, stamps: Map<CliRun, number[]>) {
  stamps.set(run, []);
  run.child.stdout.on('data', (c: Buffer) => {
    if (c.includes('"event":"step"')) stamps.get(run)!.push(performance.now()); // learning, not the idle wait before the summary
  });
}
const stepsOf = (run: CliRun) => run.events.filter((e) => e.event === 'step').length;

async function publish(stream: string, n: number) {
  const t0 = performance.now();
  const r = await publishRecords(natsAddress(`${server.url}/${stream}`, '--to'), data.topRows(n));
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

try {
  // Throughput: the same records from a file, and through the broker to 1, 2, 3 workers.
  const file = join(dir, 'records.ndjson');
  const lines: string[] = [];
  for (let r = 0; r < records; r++) lines.push(recordMessage(data.data.subarray(r * data.cols, (r + 1) * data.cols)));
  writeFileSync(file, lines.join('\n') + '\n');
  const published = await publish('bench', records);
  console.log(
    `published ${published.published} records of ${data.cols} values in ${published.seconds.toFixed(2)} s (${Math.round(published.published / published.seconds)}/s)`,
  );
  const rows: Array<{ arm: string; workers: number; learned: number; seconds: number; perSecond: number; steps: string }> = [];
  const arm = async (name: string, specs: string[]) => {
    const stamps = new Map<CliRun, number[]>();
    const runs = specs.map((spec, i) =>
      runCli(['train', '--online', '--data', spec, '--stop-when-idle', '3', '--out', join(dir, `${name}-${i}`), ...model]),
    );
    for (const r of runs) watch(r, stamps);
    const ends = await Promise.all(runs.map((r) => r.exited));
    for (const e of ends) if (e.code !== 0) throw new Error(`${name}: a worker failed: ${e.stderr}`);
    const learned = runs.reduce((n, r) => n + summaryOf(r).learned, 0);
    const seconds = span(runs, stamps);
    rows.push({ arm: name, workers: runs.length, learned, seconds, perSecond: learned / seconds, steps: runs.map(stepsOf).join(' + ') });
    console.log(
      `  ${name}: ${learned} records in ${seconds.toFixed(2)} s, ${Math.round(learned / seconds)}/s (steps ${runs.map(stepsOf).join(' + ')})`,
    );
  };
  await arm('file', [file]);
  // Two workers on local files (half the records each): what two processes on this machine's cores manage without a broker.
  const halves = [0, 1].map((h) => {
    const path = join(dir, `records-${h + 1}.ndjson`);
    writeFileSync(path, lines.filter((_, r) => r % 2 === h).join('\n') + '\n');
    return path;
  });
  await arm('file ×2', halves);
  for (const n of [1, 2, 3])
    await arm(
      `nats ×${n}`,
      Array.from({ length: n }, () => `${server.url}/bench?consumer=throughput-${n}`),
    );
  const fileRate = rows[0].perSecond,
    natsRate = rows[2].perSecond;
  console.log('\n| feed | workers | records learned | seconds | records/s | vs the file |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.arm} | ${r.workers} | ${r.learned} | ${r.seconds.toFixed(2)} | ${Math.round(r.perSecond)} | ${(r.perSecond / fileRate).toFixed(2)}× |`,
    );
  console.log(`\nthe broker's cost per record (one worker against the file): ${((1 / natsRate - 1 / fileRate) * 1e6).toFixed(0)} µs`);

  // Faults: two workers, one SIGKILLed once it has learned `at` records, then resumed; both stop when idle.
  console.log(`\nfault runs: ${faultRecords} records, 2 workers, worker 1 SIGKILLed and resumed`);
  console.log(
    "| killed after (records learned by worker 1) | published | in worker 1's snapshot at the kill | learned (sum over the workers' histories) | duplicates | consumer pending / unacknowledged at the end |",
  );
  console.log('|---|---|---|---|---|---|');
  for (const at of [Math.round(faultRecords * 0.05), Math.round(faultRecords * 0.2), Math.round(faultRecords * 0.4)]) {
    const stream = `fault-${at}`;
    await publish(stream, faultRecords);
    const nc = await connect({ servers: host });
    await (
      await jetstreamManager(nc)
    ).consumers.add(stream, { durable_name: 'w', ack_policy: AckPolicy.Explicit, ack_wait: 5e9, max_ack_pending: 20_000 });
    await nc.close();
    const spec = `${server.url}/${stream}?consumer=w`;
    const out1 = join(dir, `${stream}-1`);
    const w1 = runCli(['train', '--online', '--data', spec, '--stop-when-idle', '8', '--out', out1, ...model]);
    const w2 = runCli(['train', '--online', '--data', spec, '--stop-when-idle', '8', '--out', join(dir, `${stream}-2`), ...model]);
    await w1.waitFor((e) => e.event === 'step' && (e.step as number) * 100 >= at, 600_000);
    w1.child.kill('SIGKILL');
    await w1.exited;
    const held = (await readSnapshot(join(out1, 'snapshot.msgpack')).catch(() => null))?.data.rows ?? 0;
    // Killed before its first snapshot, the worker starts again from nothing (what it had taken comes back to the consumer).
    const again = held > 0 ? ['--resume', join(out1, 'snapshot.msgpack'), '--json'] : ['--out', out1, '--overwrite', ...model];
    const resumed = runCli(['train', '--online', '--data', spec, '--stop-when-idle', '8', ...again]);
    const [e1, e2] = await Promise.all([resumed.exited, w2.exited]);
    if (e1.code !== 0 || e2.code !== 0) throw new Error(`fault run ${at}: ${e1.stderr} ${e2.stderr}`);
    const learned = summaryOf(resumed).records + summaryOf(w2).records;
    const nc2 = await connect({ servers: host });
    const info = await (await jetstreamManager(nc2)).consumers.info(stream, 'w');
    await nc2.close();
    console.log(
      `| ${at} | ${faultRecords} | ${held} | ${learned} | ${learned - faultRecords} | ${info.num_pending} / ${info.num_ack_pending} |`,
    );
  }

  // Quality: one pass over the same records by one worker, by two that average every 10 steps, and by two that do not.
  console.log(
    `\nquality: ${qualityRecords} records once; test digits 1–2000 (stochastically binarised), reconstruction error and pseudo-likelihood`,
  );
  await publish('quality', qualityRecords);
  const evalOf = async (model: string) => {
    const out: Record<string, number> = {};
    for (const metric of ['reconstruction', 'pseudo-likelihood']) {
      const r = spawnSync(
        process.execPath,
        [
          bin,
          'eval',
          '--model',
          model,
          '--data',
          'mnist:test',
          '--binarize',
          'stochastic',
          '--limit',
          '2000',
          '--metric',
          metric,
          '--json',
        ],
        { encoding: 'utf8' },
      );
      if (r.status !== 0) throw new Error(`eval ${model}: ${r.stderr}`);
      out[metric] = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { value: number }).value;
    }
    return out;
  };
  const qualityRows: string[] = [];
  for (const [name, workers, extra] of [
    ['one worker, every record', 1, []],
    ['two workers, averaged every 10 steps', 2, ['--average-every', '10']],
    ['two workers, not averaged', 2, []],
  ] as const) {
    const tag = name.replace(/[^a-z]/g, ''); // the consumer's name and the run folders'
    const folder = (i: number) => join(dir, `q-${tag}-${i}`);
    const runs = Array.from({ length: workers }, (_, i) =>
      runCli([
        'train',
        '--online',
        '--data',
        `${server.url}/quality?consumer=${tag}`,
        '--stop-when-idle',
        '3',
        '--out',
        folder(i),
        ...extra,
        ...model,
      ]),
    );
    const ends = await Promise.all(runs.map((r) => r.exited));
    for (const e of ends) if (e.code !== 0) throw new Error(`${name}: ${e.stderr}`);
    const snaps = runs.map((_, i) => join(folder(i), 'snapshot.msgpack'));
    const learned = runs.map((r) => summaryOf(r).learned).join(' + ');
    const rounds = workers > 1 && extra.length ? `, ${(summaryOf(runs[0]).averaging as unknown as { rounds: number }).rounds} rounds` : '';
    for (const [i, snap] of snaps.entries()) {
      const q = await evalOf(snap);
      qualityRows.push(
        `| ${name} | worker ${i + 1} (learned ${learned}${rounds}) | ${q.reconstruction.toFixed(2)} | ${q['pseudo-likelihood'].toFixed(2)} |`,
      );
    }
    if (workers > 1) {
      // The two final models averaged once more (what a last round would give).
      const [a, b] = await Promise.all(snaps.map((f) => readModelSnapshot(f)));
      if (a.model !== 'rbm' || b.model !== 'rbm') throw new Error('rbm snapshots expected');
      for (const k of ['weights', 'visibleBias', 'hiddenBias'] as const)
        for (let i = 0; i < a.params[k].length; i++) a.params[k][i] = (a.params[k][i] + b.params[k][i]) / 2;
      const mean = join(dir, `q-mean-${workers}-${extra.length}.msgpack`);
      writeFileSync(mean, encodeModelSnapshot(a));
      const q = await evalOf(mean);
      qualityRows.push(
        `| ${name} | the two final models averaged | ${q.reconstruction.toFixed(2)} | ${q['pseudo-likelihood'].toFixed(2)} |`,
      );
    }
  }
  console.log('| training | model | test reconstruction error | test pseudo-likelihood |');
  console.log('|---|---|---|---|');
  for (const r of qualityRows) console.log(r);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
