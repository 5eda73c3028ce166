#!/usr/bin/env node
// `npx vms-callflow <command> …`: every npm script of the project, run from its TypeScript source through
// tsx, without the banner npm prints on stdout (so `> file` gets the command's output alone).
import { createRequire } from 'node:module';
import { register as registerCjs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';

registerCjs();
registerEsm();
// The sources are CommonJS under tsx (package.json has no "type"), so they are required, not imported.
const require = createRequire(import.meta.url);
const { runMain } = require('../dev/command-line.ts');
const { runCommand } = require('../scripts/commands.ts');
runMain(runCommand, process.argv.slice(2));
