/**
 * The faults of issue 16, each run against a built CLI, with what was sent, acknowledged, learned
 * and saved. Run: `npm run bench:faults` (this tree), or `node dist/bench/faults.js PATH/TO/dist/cli/boltzflow.js`
 * to measure another build (an older commit's, say) with the same scenarios, for a before/after table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSnapshot } from '../sources/readSnapshot.js';
import { bin, runCli, stripes, type CliRun } from '../test/cliRun.js';

const cli = process.argv[2] ? resolve(process.argv[2]) : bin;
const dir = mkdtempSync(join(tmpdir(), 'boltzflow-faults-'));
const model = (hidden = 8) => ['--hidden', String(hidden), '--batch', '10', '--json'];
const small = model();

interface Row {
  fault: string;
  exit: string;
  sent: number | string;
  acknowledged: number | string;
  learned: number | string;
  saved: string;
}

const exitOf = (r: { code: number | null; signal: string | null }) => (r.code === null ? `killed (${r.signal})` : String(r.code));
const summary = (run: CliRun) => run.events.find((e) => e.event === 'summary') as Record<string, number> | undefined;
/** The step and records of the snapshot the run's pointer names, or "none". */
async function saved(out: string): Promise<string> {
  if (!existsSync(join(out, 'snapshot.msgpack'))) return 'none';
  const s = await readSnapshot(join(out, 'snapshot.msgpack'));
  return `step ${s.counters.step} (${s.data.rows} rows)`;
}
function post(port: number, body: string): Promise<number> {
  return new Promise((ok) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent: false },
      (res) => (res.resume(), res.on('end', () => ok(res.statusCode!))),
    );
    req.on('error', () => ok(0));
    req.end(body);
  });
}
async function http(out: string, extra: readonly string[] = [], hidden = 8) {
  const run = runCli(['train', '--online', '--data', 'http://127.0.0.1:0', '--out', out, ...model(hidden), ...extra], cli);
  const port = (await run.waitFor((e) => e.event === 'listening')).port as number;
  return { run, port };
}
/** Records answered 202 (each POST's count when 202, as this scenario sends them). */
const acked = (statuses: number[], counts: number[]) => statuses.reduce((n, s, i) => n + (s === 202 ? counts[i] : 0), 0);

const scenarios: Array<[string, () => Promise<Omit<Row, 'fault'>>]> = [
  [
    'HTTP: 1,030 records POSTed and answered 202, then SIGINT while they wait in the buffer',
    async () => {
      const out = join(dir, 'ack');
      const { run, port } = await http(out, ['--buffer', '5000'], 500);
      const counts = [1000, 30];
      const statuses = await Promise.all([post(port, stripes(0, 1000)), post(port, stripes(1000, 30))]);
      run.child.kill('SIGINT');
      const r = await run.exited;
      return {
        exit: exitOf(r),
        sent: 1030,
        acknowledged: acked(statuses, counts),
        learned: summary(run)?.records ?? 'no summary',
        saved: await saved(out),
      };
    },
  ],
  [
    'HTTP: a client drops its POST mid-body, then another POSTs 20 records; SIGTERM',
    async () => {
      const out = join(dir, 'abort');
      const { run, port } = await http(out);
      await new Promise<void>((ok) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n\r\n${stripes(0, 20)}`);
          setTimeout(() => (socket.destroy(), ok()), 100);
        });
        socket.on('error', () => ok());
      });
      await new Promise((r) => setTimeout(r, 300));
      const status = await post(port, stripes(20, 20));
      run.child.kill('SIGTERM');
      const r = await run.exited;
      return {
        exit: exitOf(r),
        sent: 40,
        acknowledged: status === 202 ? 20 : 0,
        learned: summary(run)?.records ?? 'no summary',
        saved: await saved(out),
      };
    },
  ],
  [
    'HTTP: a body whose only line is "hello"',
    async () => {
      const out = join(dir, 'hello');
      const { run, port } = await http(out);
      const status = await post(port, 'hello\n');
      run.child.kill('SIGTERM');
      const r = await run.exited;
      return {
        exit: `${exitOf(r)}; answered ${status}`,
        sent: 1,
        acknowledged: status === 202 ? '1 (202 with 0 records)' : 0,
        learned: summary(run)?.records ?? 'no summary',
        saved: await saved(out),
      };
    },
  ],
  [
    'stdin: 25 good records, then the line "hello" (--bad-records fail)',
    async () => {
      const out = join(dir, 'fatal');
      const r = spawnSync(process.execPath, [cli, 'train', '--online', '--data', '-', '--out', out, ...small], {
        input: stripes(0, 25) + 'hello\n',
        encoding: 'utf8',
      });
      return { exit: String(r.status), sent: 25, acknowledged: '—', learned: '—', saved: await saved(out) };
    },
  ],
  [
    'stdin, --bad-records skip: 40 good records and 7 bad ones (not JSON, NaN, {"a":1}, 2 values, 2.0, 1e999, "x")',
    async () => {
      const out = join(dir, 'skip');
      const bad = [
        'not json',
        '[0,NaN,1]',
        '{"a":1}',
        '[0,1]',
        JSON.stringify(Array(16).fill(2)),
        `[${Array(15).fill(0).join(',')},1e999]`,
        '["x"]',
      ];
      const r = spawnSync(process.execPath, [cli, 'train', '--online', '--data', '-', '--bad-records', 'skip', '--out', out, ...small], {
        input: stripes(0, 20) + bad.join('\n') + '\n' + stripes(20, 20),
        encoding: 'utf8',
      });
      const last = r.stdout.trim().split('\n').at(-1) ?? '{}';
      const s = last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : {};
      return {
        exit: String(r.status),
        sent: 47,
        acknowledged: '—',
        learned: s.event === 'summary' ? `${String(s.records)}, ${String(s.skippedRecords)} skipped` : 'no summary',
        saved: await saved(out),
      };
    },
  ],
  [
    'stdin: 505 records, SIGTERM once 50 steps are done',
    async () => {
      const out = join(dir, 'sigterm-online');
      const run = runCli(['train', '--online', '--data', '-', '--out', out, ...small], cli);
      run.child.stdin.write(stripes(0, 505));
      await run.waitFor((e) => e.step === 50);
      run.child.kill('SIGTERM');
      const r = await run.exited;
      return { exit: exitOf(r), sent: 505, acknowledged: '—', learned: summary(run)?.records ?? 'no summary', saved: await saved(out) };
    },
  ],
  [
    'offline train, SIGTERM mid-epoch',
    async () => {
      const file = join(dir, 'offline.ndjson');
      writeFileSync(file, stripes(0, 20_000));
      const out = join(dir, 'sigterm-offline');
      const run = runCli(['train', '--data', file, '--epochs', '1000', '--out', out, ...small], cli);
      const at = (await run.waitFor((e) => (e.step as number) >= 500)).step as number;
      run.child.kill('SIGTERM');
      const r = await run.exited;
      return {
        exit: exitOf(r),
        sent: '—',
        acknowledged: '—',
        learned: `${summary(run)?.steps ?? 'no summary'} steps (signalled at ≥ ${at})`,
        saved: await saved(out),
      };
    },
  ],
  [
    'two runs on one --out at once',
    async () => {
      const file = join(dir, 'shared.ndjson');
      writeFileSync(file, stripes(0, 2000));
      const out = join(dir, 'shared');
      const first = runCli(['train', '--data', file, '--epochs', '1000', '--out', out, ...small], cli);
      await first.waitFor((e) => typeof e.step === 'number');
      const second = spawnSync(process.execPath, [cli, 'train', '--data', file, '--epochs', '1', '--out', out, ...small], {
        encoding: 'utf8',
      });
      first.child.kill('SIGINT');
      const r = await first.exited;
      return {
        exit: `second: ${second.status}; first: ${exitOf(r)}`,
        sent: '—',
        acknowledged: '—',
        learned: '—',
        saved: `${await saved(out)}, the first run's: ${summary(first)?.steps ?? '?'} steps`,
      };
    },
  ],
];

console.log(`boltzflow faults: ${cli}\n`);
console.log('| fault | exit | sent | acknowledged | learned | snapshot on disk |\n|---|---|---|---|---|---|');
for (const [fault, run] of scenarios) {
  const row = await run().catch((e: unknown) => ({
    exit: `harness: ${(e as Error).message.split('\n')[0].slice(0, 120)}`,
    sent: '',
    acknowledged: '',
    learned: '',
    saved: '',
  }));
  console.log(`| ${fault} | ${row.exit} | ${row.sent} | ${row.acknowledged} | ${row.learned} | ${row.saved} |`);
}
