import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AuditLogger } from './audit-logger.js';
import { setupCriticalLogging } from './app-logger.js';
import { LATEST_HEAD_BYTES, LATEST_OFFSET, readLatestField } from './gzip-pieces.js';
import { tempDir } from './test/helpers.js';
import { verify } from './verify.js';

/** A directory with three gzipped audit.log backups, logged with a clock that goes back and forth. */
async function written(dir: string): Promise<void> {
  let i = 0;
  // Mostly forward, with a step back every 7th event (the field is the greatest time, which the
  // scanner's own tests show need not be the last).
  const clock = (): number => Date.UTC(2024, 0, 1) + (i % 7 === 6 ? -3_600_000 : i * 60_000);
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false, env: {}, maxFileSize: 8 * 1024, backupCount: 20, clock });
  for (; i < 120; i++) void logger.logApiCall({ endpoint: '/v2/orders', method: 'GET', statusCode: 200, latencyMs: i });
  await logger.close();
}

const backups = (dir: string, base = 'audit.log'): string[] => readdirSync(dir).filter((n) => n.startsWith(`${base}.`) && n.endsWith('.gz'));

test('a compressed backup says in its gzip header the latest time its lines begin with', async (t) => {
  const dir = tempDir(t);
  await written(dir);
  const names = backups(dir);
  assert.ok(names.length >= 3, `backups: ${names.join(', ')}`);
  for (const name of names) {
    const raw = readFileSync(join(dir, name));
    const times = gunzipSync(raw).toString('utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { timestamp: string }).timestamp);
    const field = readLatestField(raw.subarray(0, LATEST_HEAD_BYTES));
    assert.deepEqual(field, { kind: 'time', latest: [...times].sort().at(-1) }, name);
  }
  assert.equal((await verify(dir)).ok, true);
});

test('an app log\'s text lines begin with no such timestamp: its backups carry NULs', async (t) => {
  const dir = tempDir(t);
  const logger = setupCriticalLogging('gz-bot', { logDir: dir, enableConsoleLogging: false, env: {}, maxFileSize: 2048, compress: true });
  for (let i = 0; i < 100; i++) logger.info(`message ${i}`);
  await logger.close();
  const names = backups(dir, 'gz-bot.log');
  assert.ok(names.length > 0);
  for (const name of names) assert.deepEqual(readLatestField(readFileSync(join(dir, name)).subarray(0, LATEST_HEAD_BYTES)), { kind: 'none' }, name);
});

test('verify reports a header field that does not match the lines, and accepts a header without one', async (t) => {
  const base = tempDir(t);
  await written(base);
  const name = backups(base)[0]!;
  const cases: [string, (raw: Buffer) => Buffer, boolean][] = [
    ['an earlier time', (raw) => Buffer.concat([raw.subarray(0, LATEST_OFFSET), Buffer.from('2023-12-31T00:00:00.000Z'), raw.subarray(LATEST_OFFSET + 24)]), false],
    ['NULs for lines that have times', (raw) => Buffer.concat([raw.subarray(0, LATEST_OFFSET), Buffer.alloc(24), raw.subarray(LATEST_OFFSET + 24)]), false],
    ['another extra field', (raw) => Buffer.concat([raw.subarray(0, 12), Buffer.from('XY'), raw.subarray(14)]), false],
    ['a plain header (recompressed by another tool)', (raw) => gzipSync(gunzipSync(raw)), true],
  ];
  for (const [what, edit, clean] of cases) {
    const dir = join(tempDir(t), 'logs');
    cpSync(base, dir, { recursive: true });
    writeFileSync(join(dir, name), edit(readFileSync(join(dir, name))));
    const r = await verify(dir);
    if (clean) {
      assert.equal(r.ok, true, `${what}: ${JSON.stringify(r.problems)}`);
      continue;
    }
    assert.equal(r.ok, false, what);
    assert.deepEqual(r.problems.map((p) => [p.file, p.kind]), [[name, 'modified']], what);
    assert.match(r.problems[0]!.message, /gzip header/, what);
  }
});
