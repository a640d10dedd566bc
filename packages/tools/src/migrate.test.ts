import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { audit } from './audit.js';
import { BACKUP_ROOT, readManifest } from './backup.js';
import { migrate } from './migrate.js';
import { undoMigration } from './undo.js';
import { copyFixture, FIXTURES, removeCopy, runTsc, treeHashes } from './test/fixtures.js';

const copies: string[] = [];
const copy = (name: string): string => {
  const dir = copyFixture(name);
  copies.push(dir);
  return dir;
};
after(() => copies.forEach(removeCopy));

test('drift fleet: the migrated tree type-checks with tsc, a second run changes nothing, undo restores every byte', () => {
  const dir = copy('drift-fleet');
  const original = treeHashes(dir);
  const r = migrate(dir, { replaceLoggers: true, now: new Date('2026-11-22T12:00:00Z') });
  assert.equal(r.typeCheck, 'passed');
  assert.deepEqual(r.changes.map((c) => [c.file, c.setup, c.app, c.calls, c.replaced]), [
    ['scripts/setup-wallet.ts', 'setupUtilityLogging', 'setup-wallet', 1, 0],
    ['src/bots/hedge-bot.ts', 'setupCriticalLogging', 'hedge-bot', 5, 0],
    ['src/bots/trend-bot.ts', 'setupCriticalLogging', 'trend-bot', 0, 1],
  ]);
  assert.equal(r.backupDir, join(dir, BACKUP_ROOT, '2026-11-22T12-00-00-000Z'));
  // Test files keep their console output.
  assert.match(readFileSync(join(dir, 'src/lib/math.test.ts'), 'utf8'), /console\.log/);
  assert.doesNotMatch(readFileSync(join(dir, 'src/bots/trend-bot.ts'), 'utf8'), /winston/);

  const tsc = runTsc(dir);
  assert.equal(tsc.status, 0, tsc.output);

  const again = migrate(dir, { replaceLoggers: true });
  assert.deepEqual(again.changes, []);
  assert.equal(again.backupDir, undefined);

  const findings = audit(dir);
  assert.deepEqual(findings.critical_issues.map((i) => i.rule), ['silent-module'], 'only the risk manager, which migrate cannot give anything to say, is left');
  assert.equal(findings.warnings.filter((w) => w.rule === 'console-in-critical').length, 0);

  const undone = undoMigration(dir);
  assert.deepEqual(undone.restored, ['scripts/setup-wallet.ts', 'src/bots/hedge-bot.ts', 'src/bots/trend-bot.ts']);
  assert.deepEqual(treeHashes(dir), original);
  assert.ok(readManifest(undone.backupDir).undone !== undefined);
  assert.throws(() => undoMigration(dir), { code: 'DAYBOOK_E_TOOLS_NO_BACKUP' });
});

test('dry run: a diff, and not one byte written', () => {
  const dir = join(FIXTURES, 'drift-fleet');
  const before = treeHashes(dir);
  const r = migrate(dir, { dryRun: true, typeCheck: false });
  assert.deepEqual(r.changes.map((c) => c.file), ['scripts/setup-wallet.ts', 'src/bots/hedge-bot.ts']);
  assert.match(r.diff, /^--- a\/scripts\/setup-wallet\.ts\n\+\+\+ b\/scripts\/setup-wallet\.ts\n@@ /);
  assert.match(r.diff, /^-  console\.log\(`hedging \$\{symbol\}: \$\{side\} \$\{Math\.abs\(exposure\)\}`\);\n\+  logger\.info\(`hedging/m);
  assert.deepEqual(treeHashes(dir, []), before);
  assert.equal(existsSync(join(dir, 'backups')), false);
});

for (const name of ['order-gateway', 'path-aliases']) {
  test(`${name}: migrated output type-checks with tsc and is idempotent; undo restores the bytes`, () => {
    const dir = copy(name);
    const original = treeHashes(dir);
    const r = migrate(dir);
    assert.equal(r.typeCheck, 'passed');
    assert.equal(r.changes.length, 1);
    const tsc = runTsc(dir);
    assert.equal(tsc.status, 0, tsc.output);
    assert.deepEqual(migrate(dir).changes, []);
    undoMigration(dir);
    assert.deepEqual(treeHashes(dir), original);
  });
}

test('plain JS: the migrated CommonJS app runs and writes its log file', () => {
  const dir = copy('plain-js');
  const original = treeHashes(dir);
  const r = migrate(dir);
  assert.equal(r.typeCheck, 'no tsconfig.json');
  assert.deepEqual(r.changes.map((c) => [c.file, c.setup, c.app]), [
    ['index.js', 'setupCriticalLogging', 'price-feed'],
    ['tools/debug-dump.js', 'setupUtilityLogging', 'debug-dump'],
  ]);
  for (const c of r.changes) {
    const check = spawnSync(process.execPath, ['--check', join(dir, c.file)], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  }
  const run = spawnSync(process.execPath, ['index.js'], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /\| price-feed \| INFO \| main:\d+ \| SOL = 103\.00/);
  assert.match(readFileSync(join(dir, 'logs', 'price-feed.log'), 'utf8'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \| price-feed \| INFO \| SOL = 103\.00$/m);
  assert.deepEqual(migrate(dir).changes, []);
  undoMigration(dir);
  assert.deepEqual(treeHashes(dir), original);
});

test('a rewrite that would not type-check is refused and nothing is written', () => {
  // Outside the workspace @daybook/core cannot be resolved: its import would be a new error.
  const dir = mkdtempSync(join(tmpdir(), 'daybook-migrate-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', lib: ['ES2022'], module: 'NodeNext', noEmit: true, skipLibCheck: true, types: [] }, include: ['*.ts'] }));
    writeFileSync(join(dir, 'order-bot.ts'), "export function quote(): void {\n  console.log('quoted');\n}\nquote();\n");
    const before = treeHashes(dir, []);
    assert.throws(() => migrate(dir), (e: Error & { code?: string }) => e.code === 'DAYBOOK_E_TOOLS_TYPECHECK' && /order-bot\.ts:\d+ TS2307/.test(e.message));
    assert.deepEqual(treeHashes(dir, []), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('undo refuses to overwrite a file edited after the migration, unless forced', () => {
  const dir = copy('path-aliases');
  const original = treeHashes(dir);
  migrate(dir, { typeCheck: false });
  const file = join(dir, 'src/lib/order-router.ts');
  writeFileSync(file, readFileSync(file, 'utf8') + '// edited by hand\n');
  assert.throws(() => undoMigration(dir), { code: 'DAYBOOK_E_TOOLS_UNDO_CONFLICT' });
  assert.match(readFileSync(file, 'utf8'), /edited by hand/);
  undoMigration(dir, { force: true });
  assert.deepEqual(treeHashes(dir), original);
});
