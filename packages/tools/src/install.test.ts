import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The README's "Use daybook in your bot", done as a bot project does it: `npm pack` the
// packages (what the npm registry would serve), install the tarballs into fresh CommonJS and
// ESM projects outside the workspace (their own dependencies from the npm cache `npm ci`
// filled), run the README's two example bots as written, and read their trades back through
// the installed `daybook` bin and the analytics API.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PACKAGES = ['@daybook/core', '@daybook/analytics', '@daybook/alert', '@daybook/clickhouse', '@daybook/server', '@daybook/tools', '@daybook/dashboard', 'daybook'];

let work: string;
let tarballs: Map<string, string>;

const ok = (r: SpawnSyncReturns<string>, what: string): string => {
  assert.equal(r.status, 0, `${what} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout;
};
const npmRun = (cwd: string, args: string[]): SpawnSyncReturns<string> =>
  spawnSync(NPM, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
const npm = (cwd: string, args: string[]): string => ok(npmRun(cwd, args), `npm ${args.join(' ')}`);

/** A fresh project with the given tarballs installed (--prefer-offline: the cache first); npm's warnings. */
function project(name: string, type: 'commonjs' | 'module', packages: readonly string[], fields: Record<string, unknown> = {}): { dir: string; warnings: string } {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type, ...fields }, null, 2));
  const r = npmRun(dir, ['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock', ...packages.map((p) => tarballs.get(p)!)]);
  ok(r, 'npm install');
  return { dir, warnings: r.stderr };
}

/** The `overrides` the README gives a bot project on Node 20 (its ```json block). */
function readmeOverrides(): Record<string, unknown> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```json\n("overrides": [^\n]*)\n```/.exec(readme);
  assert.ok(block !== null, 'the README gives no overrides');
  return (JSON.parse(`{${block[1]}}`) as { overrides: Record<string, unknown> }).overrides;
}

/** The README's example bot whose first line is `first` (a ```js block of "Use daybook in your bot"), as written. */
function readmeBot(first: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('```js\n' + first);
  assert.ok(at >= 0, `the README has no example starting ${first}`);
  const code = readme.slice(at + '```js\n'.length);
  return code.slice(0, code.indexOf('```'));
}

before(() => {
  work = mkdtempSync(join(tmpdir(), 'daybook-install-'));
  const packs = join(work, 'tarballs');
  mkdirSync(packs);
  npm(ROOT, ['pack', ...PACKAGES.flatMap((p) => ['-w', p]), '--pack-destination', packs]);
  const files = readdirSync(packs);
  tarballs = new Map(PACKAGES.map((p) => [p, join(packs, files.find((f) => f === `${p.replace('@', '').replace('/', '-')}-0.1.0.tgz`)!)]));
});
after(() => rmSync(work, { recursive: true, force: true }));

test('a CommonJS bot: require("@daybook/core") logs trades, the installed daybook bin reports them', () => {
  // Every package, with the README's overrides: nothing declares a Node newer than this one.
  const { dir, warnings } = project('cjs-bot', 'commonjs', PACKAGES, { overrides: readmeOverrides() });
  assert.doesNotMatch(warnings, /EBADENGINE/);
  writeFileSync(join(dir, 'bot.js'), readmeBot('// CommonJS'));
  // require() of an ES module: Node 20.19+ and 22.12+ without a flag (the README says so).
  ok(spawnSync(process.execPath, ['bot.js'], { cwd: dir, encoding: 'utf8' }), 'node bot.js');
  const out = ok(spawnSync(process.execPath, [join(dir, 'node_modules', 'daybook', 'dist', 'bin.js'), 'report', 'trading', '--dir', 'logs', '--json'], { cwd: dir, encoding: 'utf8' }), 'daybook report');
  const report = JSON.parse(out) as { total_trades: number; total_pnl: number };
  assert.deepEqual([report.total_trades, report.total_pnl], [1, 50]);
  // The bin npm linked is the one a user runs with npx.
  assert.ok(readdirSync(join(dir, 'node_modules', '.bin')).includes('daybook'));
});

test('an ES module bot: import from @daybook/core logs trades, LogAnalyzer from @daybook/analytics reads them', () => {
  const { dir } = project('esm-bot', 'module', ['@daybook/core', '@daybook/analytics']);
  writeFileSync(join(dir, 'bot.js'), `${readmeBot('// ES module')}\nconst { LogAnalyzer } = await import('@daybook/analytics');\nconst m = await new LogAnalyzer('logs').getTradingMetrics();\nconsole.log(JSON.stringify([m.total_trades, m.total_pnl]));\n`);
  const out = ok(spawnSync(process.execPath, ['bot.js'], { cwd: dir, encoding: 'utf8' }), 'node bot.js');
  // The logger's console lines come first (the README's example keeps its default console level).
  assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), [1, 50]);
});
