// npm run docs:cli: writes docs/cli.md (every command's --help) and the README's copy of `boltzflow --help`,
// both generated from the schemas that validate the flags; test/cliHelp.test.ts fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { cliReference, usage } from '../dist/cli/commands.js';

writeFileSync(new URL('../docs/cli.md', import.meta.url), cliReference());
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = text.indexOf('```text\n', text.indexOf('## The command line\n')) + '```text\n'.length;
const end = text.indexOf('```', start);
writeFileSync(readme, text.slice(0, start) + usage() + text.slice(end));
