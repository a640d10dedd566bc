import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProject, nameFromPath } from './project.js';
import { FIXTURES } from './test/fixtures.js';

test('app names: the file, else its folder, else the package', () => {
  assert.equal(nameFromPath('src/bots/hedge-bot.ts', 'fleet'), 'hedge-bot');
  assert.equal(nameFromPath('src/orchestrator/index.ts', 'fleet'), 'orchestrator');
  assert.equal(nameFromPath('src/main.ts', '@acme/execution-engine'), 'execution-engine');
  assert.equal(nameFromPath('index.js', undefined), 'app');
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
