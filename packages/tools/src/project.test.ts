import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProject, nameFromPath } from './project.js';
import { FIXTURES } from './test/fixtures.js';

test('app names: the file, else its folder, else the package', () => {
  assert.equal(nameFromPath('src/bots/hedge-bot.ts', 'fleet'), 'hedge-bot');
  assert.equal(nameFromPath('src/orchestrator/index.ts', 'fleet'), 'orchestrator');
  assert.equal(nameFromPath('src/main.ts', '@acme/execution-engine'), 'execution-engine');
  assert.equal(nameFromPath('index.js', undefined), 'app');
  assert.equal(nameFromPath('services/price-feed/index.js', 'pf', 'services/price-feed'), 'pf');
  assert.equal(nameFromPath('services/feed/workers/index.ts', 'pf', 'services/feed'), 'workers');
});

test('the module graph follows relative imports, .js-to-.ts mapping, aliases and require()', () => {
  const drift = loadProject(join(FIXTURES, 'drift-fleet'));
  assert.deepEqual(drift.graph.get('src/bots/jit-mm-swift.ts'), ['src/lib/drift-client.ts', 'src/lib/math.ts']);
  const orchestrator = drift.apps.find((a) => a.name === 'orchestrator')!;
  assert.deepEqual(orchestrator.modules, ['src/orchestrator/orchestrator.ts', 'src/orchestrator/risk-manager.ts']);
  assert.equal(orchestrator.reason, 'script');
  const aliases = loadProject(join(FIXTURES, 'path-aliases'));
  assert.deepEqual(aliases.apps[0]!.modules, ['src/config.ts', 'src/lib/order-router.ts', 'src/lib/position-book.ts', 'src/main.ts']);
  const js = loadProject(join(FIXTURES, 'plain-js'));
  assert.deepEqual(js.graph.get('index.js'), ['lib/feed.js', 'lib/format.cjs']);
  const gateway = loadProject(join(FIXTURES, 'order-gateway'));
  assert.deepEqual(gateway.apps.map((a) => [a.entry, a.reason, a.line]), [['src/server.ts', 'bin', 23]]);
});

test('a monorepo: each workspace package brings its own bin, mapped through its own tsconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-project-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fleet', workspaces: ['packages/*'] }));
    mkdirSync(join(dir, 'packages', 'svc', 'lib'), { recursive: true });
    writeFileSync(join(dir, 'packages', 'svc', 'package.json'), JSON.stringify({ name: '@fleet/svc', bin: { 'risk-daemon': './build/cli.js' }, scripts: { dev: 'tsx lib/index.ts' } }));
    writeFileSync(join(dir, 'packages', 'svc', 'tsconfig.json'), JSON.stringify({ compilerOptions: { outDir: 'build', rootDir: 'lib' } }));
    writeFileSync(join(dir, 'packages', 'svc', 'lib', 'cli.ts'), 'export {};\n');
    writeFileSync(join(dir, 'packages', 'svc', 'lib', 'index.ts'), 'export {};\n');
    const p = loadProject(dir);
    assert.deepEqual(p.apps.map((a) => [a.name, a.entry, a.reason]), [
      ['risk-daemon', 'packages/svc/lib/cli.ts', 'bin'],
      ['svc', 'packages/svc/lib/index.ts', 'script'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
