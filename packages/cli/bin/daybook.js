#!/usr/bin/env node
// The command's entry, committed as plain JavaScript. npm links a package's bin when it
// installs it, and skips a bin whose file does not exist yet: in this repository `npm ci`
// runs before `npm run build` makes dist/, so a bin pointing into dist/ left `npx daybook`
// with "daybook: not found". This file is always there; it loads the built CLI.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('daybook: the command line is not built yet (dist/bin.js is missing). Run `npm run build` in the daybook repository, then try again.\n');
  process.exit(1);
}
await import(entry.href);
