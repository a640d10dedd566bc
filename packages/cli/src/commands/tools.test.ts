// The audit, migrate and monitor commands as a user runs them: exit codes, --help, --json.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { daybook } from '../test/run.js';

const FIXTURES = fileURLToPath(new URL('../../../tools/fixtures/', import.meta.url));
const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'daybook-cli-'));
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('--help on each command exits 0; bad usage exits 2', () => {
  for (const cmd of ['audit', 'migrate', 'monitor']) {
    const help = daybook(cmd, '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, new RegExp(`^Usage: daybook ${cmd}`));
    const bad = daybook(cmd, '--no-such-option');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /Usage:/);
  }
  assert.equal(daybook('audit', join(FIXTURES, 'missing-dir')).status, 2);
  assert.equal(daybook('monitor', '--dry-run', '--maintenance-only').status, 2);
  assert.equal(daybook('monitor', '--warn-size', 'lots').status, 2);
  assert.equal(daybook('migrate', '--force').status, 2);
});

test('audit: exit 1 on critical issues with the contract JSON and a report file; 0 on a clean project', () => {
  const report = join(scratch(), 'audit.json');
  const r = daybook('audit', join(FIXTURES, 'drift-fleet'), '--json', '--report', report);
  assert.equal(r.status, 1);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(json).slice(0, 4), ['critical_issues', 'warnings', 'recommendations', 'apps']);
  assert.deepEqual(json.critical_issues[0], { file: 'src/bots/hedge-bot.ts', line: 28, rule: 'no-file-log', message: 'critical app hedge-bot logs only to the console' });
  assert.deepEqual(JSON.parse(readFileSync(report, 'utf8')), json);
  const clean = scratch();
  writeFileSync(join(clean, 'jit-mm-swift.ts'), "import { setupCriticalLogging } from '@daybook/core';\nconst logger = setupCriticalLogging('jit-mm-swift');\nprocess.on('unhandledRejection', (e) => logger.critical(e));\nprocess.on('uncaughtException', (e) => logger.critical(e));\nasync function main() {\n  logger.info('up');\n}\nmain();\n");
  const ok = daybook('audit', clean);
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /jit-mm-swift\s+critical\s+jit-mm-swift\.ts/);
});

test('migrate: --dry-run prints the diff and writes nothing; a run, then --undo', () => {
  const dir = scratch();
  cpSync(join(FIXTURES, 'plain-js'), dir, { recursive: true });
  const before = readFileSync(join(dir, 'index.js'), 'utf8');
  const dry = daybook('migrate', dir, '--dry-run');
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^--- a\/index\.js\n\+\+\+ b\/index\.js\n/);
  assert.match(dry.stderr, /would rewrite index\.js: 2 console call\(s\) → setupCriticalLogging\('price-feed'\)/);
  assert.equal(readFileSync(join(dir, 'index.js'), 'utf8'), before);
  const run = daybook('migrate', dir, '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.match(JSON.parse(run.stdout).backup_dir, /^backups\/logging_migration\//);
  assert.notEqual(readFileSync(join(dir, 'index.js'), 'utf8'), before);
  const undo = daybook('migrate', dir, '--undo');
  assert.equal(undo.status, 0, undo.stderr);
  assert.equal(readFileSync(join(dir, 'index.js'), 'utf8'), before);
  assert.equal(daybook('migrate', dir, '--undo').status, 1, 'nothing left to undo');
});

test('monitor: exit 0 on a healthy directory, 1 with issues, the contract JSON', () => {
  const dir = scratch();
  const now = new Date().toISOString();
  writeFileSync(join(dir, 'hedge-bot.log'), `${now.slice(0, 10)} ${now.slice(11, 19)},000 | hedge-bot | INFO | up\n`);
  const ok = daybook('monitor', dir, '--json');
  assert.equal(ok.status, 0, ok.stdout);
  const missing = daybook('monitor', dir, '--json', '--app', 'risk-manager');
  assert.equal(missing.status, 1);
  const json = JSON.parse(missing.stdout);
  assert.deepEqual(json.issues.filter((i: { check: string }) => i.check === 'missing'), [{ file: 'risk-manager.log', severity: 'critical', check: 'missing', message: 'critical app risk-manager has no log file' }]);
  assert.deepEqual(json.maintenance, []);
});
