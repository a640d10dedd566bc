import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { CHAIN_DIR } from './checkpoint.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink } from './file-sink.js';
import { verify } from './verify.js';
import { tempDir } from './test/helpers.js';
import { fault, notingOpens, streamLines } from './test/storage.js';

const line = (i: number): string => `{"i":${i}}`;

/** The real driver, with writes to the log file (not its checkpoints) failing ENOSPC while `full.on`. */
function fullDisk(suffix: string): { driver: FileDriver; full: { on: boolean } } {
  const noted = notingOpens(suffix);
  const full = { on: false };
  const driver: FileDriver = {
    ...noted.driver,
    write: (fd, data, pos) => (full.on && noted.fds.has(fd) ? Promise.reject(fault('ENOSPC', 'write')) : nodeFileDriver.write(fd, data, pos)),
  };
  return { driver, full };
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
};

// Without the timeout the acks of lines queued behind a failing write stay pending for as long
// as the disk is full: the test's own timeout would end it, failed.
test('during a full disk, awaited acks resolve false after ackTimeoutMs; once space returns every line is written once, in order, and the chain verifies', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const { driver, full } = fullDisk('audit.log');
  const stderr: string[] = [];
  const s = new FileSink({ path: join(dir, 'audit.log'), driver, ackTimeoutMs: 100, stderr: (l) => stderr.push(l) });
  // A failed assertion must not leave the writer retrying forever (the file would never end).
  t.after(() => ((full.on = false), s.close()));
  void s.write(line(0), 'sync', false);
  assert.equal(await s.flush(), true);
  full.on = true;
  const first = s.write(line(1), 'sync', false);
  // The first failing write resolves its own lines false at once; these queue behind it.
  assert.equal(await first, false);
  const waiting = Array.from({ length: 50 }, (_, i) => s.write(line(2 + i), i % 2 === 0 ? 'sync' : 'none', false));
  assert.deepEqual(await Promise.all(waiting), waiting.map(() => false));
  assert.equal(full.on, true, 'resolved while the disk was still full');
  assert.ok(stderr.some((l) => /not written within ackTimeoutMs \(100 ms\) \(ENOSPC\).*DAYBOOK_W_ACK_TIMEOUT/.test(l)), stderr.join('\n'));
  // A line logged after the timeout waits its own, and does not get the old, settled promise.
  const later = s.write(line(52), 'sync', false);
  const settledAtOnce = await Promise.race([later.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
  assert.equal(settledAtOnce, false);
  full.on = false;
  await later;
  assert.equal(await s.flush(), true);
  await s.close();
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 53 }, (_, i) => line(i)));
  const r = await verify(dir);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.deepEqual(r.problems, []);
});

test('close() returns after closeTimeoutMs while the disk is full, says what is unwritten, and the lines still land when space returns', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const { driver, full } = fullDisk('audit.log');
  const stderr: string[] = [];
  const s = new FileSink({ path: join(dir, 'audit.log'), driver, ackTimeoutMs: 100, closeTimeoutMs: 200, stderr: (l) => stderr.push(l) });
  t.after(() => void (full.on = false));
  for (let i = 0; i < 10; i++) void s.write(line(i), 'none', false);
  await s.flush();
  full.on = true;
  const acks = Array.from({ length: 20 }, (_, i) => s.write(line(10 + i), 'sync', false));
  await s.close();
  assert.equal(full.on, true, 'close returned while the disk was still full');
  assert.deepEqual(await Promise.all(acks), acks.map(() => false));
  assert.deepEqual(s.unwritten.lines, 20);
  assert.ok(stderr.some((l) => /closeTimeoutMs \(200 ms\) with 20 lines \(\d+ bytes\) not written \(ENOSPC\).*DAYBOOK_E_CLOSE_TIMEOUT/.test(l)), stderr.join('\n'));
  // The close goes on behind: the lines, the closing checkpoint, then the lock is released.
  full.on = false;
  await until(() => !existsSync(join(dir, CHAIN_DIR, 'audit.log.lock')));
  assert.equal(s.unwritten.lines, 0);
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 30 }, (_, i) => line(i)));
  const r = await verify(dir);
  assert.deepEqual(r.problems, []);
});

test('the logger: a trade awaited during a full disk resolves false after ackTimeoutMs; close is bounded and reports DAYBOOK_E_CLOSE_TIMEOUT', { timeout: 20_000 }, async (t) => {
  const dir = tempDir(t);
  const { driver, full } = fullDisk('audit.log');
  const audit = new AuditLogger({ logDir: dir, consoleLevel: false, fileDriver: driver, ackTimeoutMs: 100, closeTimeoutMs: 200 });
  t.after(() => ((full.on = false), audit.close()));
  const errors: Error[] = [];
  audit.on('error', (e: Error) => errors.push(e));
  void audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 });
  assert.equal(await audit.flush(), true);
  full.on = true;
  // The first trade's failed write resolves it false at once; the next ones queue behind it.
  assert.equal(await audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 0, price: 1 }), false);
  const acks = [];
  for (let i = 1; i < 20; i++) acks.push(audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 1 }));
  assert.deepEqual(await Promise.all(acks), acks.map(() => false));
  await audit.close();
  assert.equal(full.on, true);
  const closeError = errors.find((e) => (e as { code?: string }).code === 'DAYBOOK_E_CLOSE_TIMEOUT');
  assert.match(closeError?.message ?? '', /close\(\) returned with \d+ lines \(\d+ bytes\) of audit\.log not written/);
  full.on = false;
  await until(() => !existsSync(join(dir, CHAIN_DIR, 'audit.log.lock')));
  const types = streamLines(dir, 'audit.log').map((l) => (JSON.parse(l) as { event_type: string; quantity?: number }));
  assert.deepEqual(types.filter((e) => e.event_type === 'trade_entry').map((e) => e.quantity), [1, ...Array.from({ length: 20 }, (_, i) => i)]);
  assert.equal(types.at(-1)?.event_type, 'system_stop');
  assert.deepEqual((await verify(dir)).problems, []);
});
