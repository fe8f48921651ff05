#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { BoltzflowError } from '../kernels/BoltzflowError.js';
import { enableRelaxedSimd } from '../kernels/enableRelaxedSimd.js';
import { COMMANDS, helpOf, usage } from './commands.js';
import { say } from './output.js';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? args[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic))
      throw new BoltzflowError('help', topic, `one of ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(topic ? helpOf(COMMANDS[topic], args.slice(1)) : usage());
    return command ? 0 : 2;
  }
  if (command === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new BoltzflowError('command', command, `one of ${Object.keys(COMMANDS).join(', ')}, help`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(helpOf(run, args));
    return 0;
  }
  enableRelaxedSimd(); // the program's decision (a process-wide V8 flag on Node 20): the wasm backend's fused build
  await run.run(args);
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
