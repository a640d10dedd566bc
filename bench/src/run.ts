// `npm run bench [-- name ...]`: runs every bench/src/*.bench.ts (or those named), one after
// another so that they do not compete for the machine's two cores. Each prints its own table
// of side-by-side figures and ratios.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(here).filter((f) => f.endsWith('.bench.js'));
const names = new Set(all.map((f) => f.replace(/\.bench\.js$/, '')));
// A name picks its bench (`alert` is alert.bench.js, not alert-latency too); a prefix that is no bench's name picks every bench it starts.
const benches = all
  .filter((f) => wanted.length === 0 || wanted.some((w) => (names.has(w) ? f === `${w}.bench.js` : f.startsWith(w))))
  .sort();

for (const file of benches) {
  process.stdout.write(`\n## ${file.replace(/\.bench\.js$/, '')}\n\n`);
  const mod = (await import(join(here, file))) as { main(): Promise<void> };
  await mod.main();
}
