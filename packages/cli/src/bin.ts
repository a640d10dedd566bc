#!/usr/bin/env node
// Loaded by bin/daybook.js (the package's bin, committed so that npm can link it before a build).
import { endQuietlyOnClosedPipe } from './closed-pipe.js';
import { main } from './main.js';

endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);
process.exitCode = await main(process.argv.slice(2));
