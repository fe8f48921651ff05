// Builds the optional native backend (dist/kernels/native.node) from boltzflow.c against OpenBLAS,
// on the machine that installs boltzflow: run by `npm install` (the package's install script, in a
// clone and where boltzflow is installed as a dependency) and by `npm run build`. Where the C
// compiler, Node's headers or Debian's libopenblas-dev are missing, it says so and exits 0: the
// install succeeds and `auto` uses wasm. An addon newer than its sources is kept (`--force` rebuilds).
// Enable it in a clone with: npm run setup:native (apt-get install libopenblas-dev, then npm run build:native);
// as a dependency: apt-get install libopenblas-dev, then npm rebuild boltzflow.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'kernels', 'native.node');
const say = (line) => console.log(`boltzflow native backend: ${line}`);
// Installed as another project's dependency, there is no setup:native script to point at.
const enable = /[\\/]node_modules[\\/]/.test(root)
  ? 'apt-get install libopenblas-dev, then npm rebuild boltzflow'
  : "npm run setup:native (installs Debian's libopenblas-dev, then builds)";
const sources = ['boltzflow.c', 'gaussian.c', 'build.mjs'].map((f) => join(here, f));
const mtime = (f) => (existsSync(f) ? statSync(f).mtimeMs : -Infinity);
if (!process.argv.includes('--force') && process.env.BOLTZFLOW_NATIVE !== '0' && sources.every((f) => mtime(f) < mtime(out))) {
  say(`up to date (${out})`);
  process.exit(0);
}
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
  say(`not built (${why.trim()}); the wasm backend is used. To enable it: ${enable}`);
  process.exit(0);
}
say(`built ${out}`);
