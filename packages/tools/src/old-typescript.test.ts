import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrate } from './migrate.js';
import { FIXTURES } from './test/fixtures.js';

// A bot project set up as flashbots/simple-arbitrage is: CommonJS, TypeScript 4.1.3 and
// @types/node 14.14.14 (the versions its package-lock.json pins). Its own compiler must read
// @daybook/core's published declarations (dist/*.d.ts, downlevelled by the build:
// scripts/downlevel-declarations.mjs), and `daybook migrate` must not refuse it.
const FIXTURE = join(FIXTURES, 'ts41-commonjs');
const PINNED = JSON.parse(readFileSync(join(FIXTURE, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };

/** Installs the pinned versions from the npm registry once; node_modules stays under the fixture (ignored by git). */
function installFixture(): void {
  const version = (name: string): string | undefined => {
    const p = join(FIXTURE, 'node_modules', name, 'package.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as { version: string }).version : undefined;
  };
  if (Object.entries(PINNED.devDependencies).every(([name, v]) => version(name) === v)) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts'], { cwd: FIXTURE, encoding: 'utf8' });
  assert.equal(r.status, 0, `npm install of the fixture's pinned TypeScript 4.1 and @types/node 14 failed (it needs the npm registry or a cache holding them):\n${r.stdout}${r.stderr}`);
}

const scratch: string[] = [];
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("TypeScript 4.1 with @types/node 14 (CommonJS) type-checks a bot that imports @daybook/core's declarations", () => {
  installFixture();
  const tsc = join(FIXTURE, 'node_modules', 'typescript', 'bin', 'tsc');
  const version = spawnSync(process.execPath, [tsc, '--version'], { encoding: 'utf8' });
  assert.match(version.stdout, /^Version 4\.1\.3/);
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '-p', FIXTURE], { encoding: 'utf8' });
  // Before the downlevelling: TS1005 on every `import { type X }`, and TS2307 for 'node:crypto', 'node:events', 'node:zlib'.
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('daybook migrate on that project: the rewrite type-checks against its @types/node 14 and is written', () => {
  installFixture();
  // A copy inside the package (so @daybook/core resolves from the workspace as if installed), sharing the fixture's node_modules.
  const base = fileURLToPath(new URL('../.tmp/', import.meta.url));
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, 'ts41-commonjs-'));
  scratch.push(dir);
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.startsWith(join(FIXTURE, 'node_modules')) });
  symlinkSync(join(FIXTURE, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const r = migrate(dir, { now: new Date('2026-12-01T00:00:00Z') });
  assert.equal(r.typeCheck, 'passed');
  assert.deepEqual(r.changes.map((c) => [c.file, c.calls]), [['src/feed.ts', 1]]);
  assert.match(readFileSync(join(dir, 'src/feed.ts'), 'utf8'), /logger\.info\(`\$\{market\}: spread/);
  const tsc = spawnSync(process.execPath, [join(FIXTURE, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', dir], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
});
