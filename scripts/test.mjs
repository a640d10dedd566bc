// Runs every compiled test file (packages/*/dist/**/*.test.js) with node's test runner and
// ends with the line CI reads: `N passed, N failed`. Arguments narrow the run to files whose
// path contains one of them: `npm test -- core/dist/json`.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { availableParallelism } from 'node:os';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function testFiles(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = readdirSync(join(root, 'packages'))
  .flatMap((pkg) => testFiles(join(root, 'packages', pkg, 'dist')))
  .filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const stream = run({ files, concurrency: Math.max(1, Math.min(2, availableParallelism())), timeout: 10 * 60_000 });
stream.on('test:pass', (data) => {
  if (data.details?.type === 'suite') return;
  if (data.skip || data.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (data) => {
  if (data.details?.type === 'suite' && data.details?.error?.failureType !== 'hookFailed' && data.details?.error?.failureType !== 'testCodeFailure') return;
  failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
  // After the reporter's own output has drained.
  setImmediate(() => {
    process.stdout.write(`\nnode ${process.version}\n${line}\n`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
});
