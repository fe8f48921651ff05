// Builds the optional native backend (dist/kernels/native.node) from boltzflow.c against OpenBLAS.
// Run by `npm run build` (so by `npm install`). Where the C compiler, Node's headers or Debian's
// libopenblas-dev are missing, it says so and exits 0: the install succeeds and `auto` uses wasm.
// Enable it with: npm run setup:native (apt-get install libopenblas-dev, then npm run build:native)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'kernels', 'native.node');
const say = (line) => console.log(`boltzflow native backend: ${line}`);
rmSync(out, { force: true }); // never leave a stale addon from an earlier build

if (process.env.BOLTZFLOW_NATIVE === '0') {
  say('skipped (BOLTZFLOW_NATIVE=0)');
  process.exit(0);
}
const headers = [
  join(dirname(process.execPath), '..', 'include', 'node'),
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  '/usr/include/node',
]
  .filter(Boolean)
  .find((d) => existsSync(join(d, 'node_api.h')));
if (!headers) {
  say("not built: Node's headers (node_api.h) were not found; the wasm backend is used");
  process.exit(0);
}
const cc = process.env.CC ?? 'cc';
const args = [
  '-O3',
  '-fno-trapping-math',
  '-ffp-contract=off', // no fused multiply-adds: the double kernels give the js reference's bits
  '-fPIC',
  '-shared',
  '-DNODE_GYP_MODULE_NAME=boltzflow_native',
  `-I${headers}`,
  '-I/usr/include/x86_64-linux-gnu/openblas-pthread',
  '-I/usr/include/aarch64-linux-gnu/openblas-pthread',
  join(root, 'kernels', 'native', 'boltzflow.c'),
  '-lopenblas',
  '-o',
  out,
];
mkdirSync(dirname(out), { recursive: true });
try {
  execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  const why =
    String(e.stderr ?? '')
      .split('\n')
      .find((l) => /error|not found|cannot find/i.test(l)) ?? (e.code === 'ENOENT' ? `no C compiler: ${cc}` : `${cc} failed`);
  rmSync(out, { force: true });
  say(
    `not built (${why.trim()}); the wasm backend is used. To enable it: npm run setup:native (installs Debian's libopenblas-dev, then builds)`,
  );
  process.exit(0);
}
say(`built ${out}`);
