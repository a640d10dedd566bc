import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

// `npm ci` warns EBADENGINE for every installed package whose engines.node does not admit the
// running Node. This keeps the lock file inside the Node versions the workspace declares, so
// that the warning means something new when it appears.
const ROOT = new URL('../../../', import.meta.url);
const readJson = <T>(path: string): T => JSON.parse(readFileSync(new URL(path, ROOT), 'utf8')) as T;

type Version = [number, number, number];

/** `20`, `20.19`, `10.*`, `1.x` → the numbers given (undefined for a wildcard or absent part). */
function partial(v: string): (number | undefined)[] {
  return v.replace(/^v/, '').split('.').slice(0, 3).map((p) => (/^\d+$/.test(p) ? Number(p) : undefined));
}

const cmp = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `v` satisfies one comparator (`>=20`, `^20.19.0`, `~1.2`, `18`, `*`). */
function comparator(v: Version, c: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(c)!;
  const op = m[1] ?? '';
  const p = partial(m[2]!);
  const lo: Version = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
  if (p[0] === undefined) return true; // `*`, `x`
  const next = (i: number): Version => (i === 0 ? [lo[0] + 1, 0, 0] : i === 1 ? [lo[0], lo[1] + 1, 0] : [lo[0], lo[1], lo[2] + 1]);
  const given = p.filter((x) => x !== undefined).length;
  switch (op) {
    case '>=': return cmp(v, lo) >= 0;
    case '>': return cmp(v, given === 3 ? lo : next(given - 1)) >= (given === 3 ? 1 : 0);
    case '<': return cmp(v, lo) < 0;
    case '<=': return given === 3 ? cmp(v, lo) <= 0 : cmp(v, next(given - 1)) < 0;
    case '^': return cmp(v, lo) >= 0 && cmp(v, next(lo[0] > 0 || given === 1 ? 0 : lo[1] > 0 || given === 2 ? 1 : 2)) < 0;
    case '~': return cmp(v, lo) >= 0 && cmp(v, next(given === 1 ? 0 : 1)) < 0;
    default: return cmp(v, lo) >= 0 && cmp(v, next(given - 1)) < 0; // `20`, `=20.1.0`, `10.*`
  }
}

/** The subset of npm's semver ranges that engines fields use: `||` alternatives of space-separated comparators. */
function satisfies(version: string, range: string): boolean {
  const p = partial(version);
  const v: Version = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];
  return range.split('||').some((alt) => alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean).every((c) => comparator(v, c)));
}

test('the engines-range reader agrees with semver on the forms the lock file holds', () => {
  const cases: [version: string, range: string, satisfied: boolean][] = [
    ['20.19.0', '^20.19.0 || >=22.12.0', true],
    ['20.18.3', '^20.19.0 || >=22.12.0', false],
    ['22.11.0', '^20.19.0 || >=22.12.0', false],
    ['20.19.0', '>=22', false],
    ['20.19.0', '18 || 20 || >=22', true],
    ['21.0.0', '18 || 20 || >=22', false],
    ['20.19.0', '>=16 || 14 >=14.17', true],
    ['14.16.0', '>=16 || 14 >=14.17', false],
    ['20.19.0', '>= 10.x', true],
    ['20.19.0', '10.* || >= 12.*', true],
    ['20.19.0', '^8.16.0 || ^10.6.0 || >=11.0.0', true],
    ['20.19.0', '*', true],
  ];
  for (const [version, range, satisfied] of cases) assert.equal(satisfies(version, range), satisfied, `${version} against ${range}`);
});

// Installed although its engines field says otherwise, and why that is right. None today:
// content-disposition 3 (engines >=22), which @fastify/static 10.1.4+ asks for, is overridden
// to 2.0.1 (package.json "overrides"), the CommonJS build of the same API (`create`, `parse`)
// for Node 18+; server's static.test.ts checks that @fastify/static works with it.
const KNOWN: Readonly<Record<string, string>> = {};

test('every package in package-lock.json runs on the lowest Node versions the workspace declares', () => {
  const declared = readJson<{ engines: { node: string } }>('package.json').engines.node;
  // The lowest of each supported line; the declaration must admit them and nothing below.
  const lowest = ['20.19.0', '22.12.0'];
  for (const v of lowest) assert.ok(satisfies(v, declared), `${v} is not in the declared ${declared}`);
  assert.ok(!satisfies('20.18.0', declared) && !satisfies('22.11.0', declared), `${declared} admits a Node without require(esm)`);
  const lock = readJson<{ packages: Record<string, { version?: string; link?: boolean; engines?: unknown }> }>('package-lock.json');
  const refused = new Map<string, string>();
  for (const [path, p] of Object.entries(lock.packages)) {
    const node = p.engines !== null && typeof p.engines === 'object' ? (p.engines as { node?: unknown }).node : undefined;
    if (path === '' || p.link === true || typeof node !== 'string') continue;
    const name = path.replace(/^.*node_modules\//, '');
    for (const v of lowest) if (!satisfies(v, node)) refused.set(`${name}@${p.version}`, `needs node ${node}, not ${v}`);
  }
  const unexplained = [...refused].filter(([k]) => KNOWN[k.replace(/@[^@]*$/, '')] === undefined);
  assert.deepEqual(unexplained, [], 'pin a version whose engines admit them (package.json "overrides"), or explain it in KNOWN');
  // A known exception that is gone must leave the list too.
  const stale = Object.keys(KNOWN).filter((name) => ![...refused.keys()].some((k) => k.replace(/@[^@]*$/, '') === name));
  assert.deepEqual(stale, []);
});
