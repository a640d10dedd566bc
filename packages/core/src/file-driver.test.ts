// Faults a real disk cannot be made to produce on demand, injected by wrapping the real
// calls: the driver still writes to a real file system, except when told to fail.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink } from './file-sink.js';
import { verify } from './verify.js';
import { tempDir } from './test/helpers.js';
import { fault, streamLines } from './test/storage.js';

type Op = 'write' | 'fdatasync' | 'rename' | 'read';

/** The real driver, failing `op` with `code` while `failing` says so. */
function faulty(op: Op, code: string): { driver: FileDriver; fail(on: boolean): void; failures: number } {
  const state = { on: false, failures: 0 };
  const err = (): NodeJS.ErrnoException => fault(code, op);
  const driver: FileDriver = {
    ...nodeFileDriver,
    write: (fd, data, pos) => (state.on && op === 'write' ? (state.failures++, Promise.reject(err())) : nodeFileDriver.write(fd, data, pos)),
    fdatasync: (fd) => (state.on && op === 'fdatasync' ? (state.failures++, Promise.reject(err())) : nodeFileDriver.fdatasync(fd)),
    rename: (a, b) => (state.on && op === 'rename' ? (state.failures++, Promise.reject(err())) : nodeFileDriver.rename(a, b)),
    read: (fd, buf, pos) => (state.on && op === 'read' ? (state.failures++, Promise.reject(err())) : nodeFileDriver.read(fd, buf, pos)),
  };
  return { driver, fail: (on) => void (state.on = on), get failures() { return state.failures; } };
}

const line = (i: number): string => `{"i":${i},"pad":"${'y'.repeat(60)}"}`;
/** Waits for `cond`, failing after `ms`: a condition that never comes must fail the test, not hang the run. */
const until = async (cond: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${String(cond)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

for (const [op, code] of [['write', 'ENOSPC'], ['write', 'EIO'], ['fdatasync', 'EIO'], ['fdatasync', 'ENOSPC'], ['write', 'EAGAIN'], ['write', 'EACCES']] as const) {
  test(`${code} on ${op}: no crash, one error and one stderr line, false for the lines it hit, retried until it clears, nothing lost`, async (t) => {
    const dir = tempDir(t);
    const f = faulty(op, code);
    const errors: Error[] = [];
    const stderr: string[] = [];
    const s = new FileSink({ path: join(dir, 'audit.log'), driver: f.driver, onError: (e) => errors.push(e), stderr: (l) => stderr.push(l) });
    for (let i = 0; i < 10; i++) void s.write(line(i), 'sync', false);
    await s.flush();
    f.fail(true);
    const hit = s.write(line(10), 'sync', false);
    assert.equal(await hit, false, 'the caller learns that the line is not durable');
    for (let i = 11; i < 50; i++) void s.write(line(i), 'sync', false);
    await until(() => f.failures >= 3);
    assert.equal(errors.length, 1, 'one error per fault, not per retry');
    assert.match(String((errors[0] as NodeJS.ErrnoException).code), new RegExp(code));
    assert.equal(stderr.length, 1);
    assert.match(stderr[0]!, new RegExp(`${code}.*retrying.*DAYBOOK_E_WRITE`));
    f.fail(false);
    assert.equal(await s.write(line(50), 'sync', false), true, 'writing resumes when the fault clears');
    await s.close();
    assert.equal(stderr.length, 2);
    assert.match(stderr[1]!, /written again/);
    assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 51 }, (_, i) => line(i)));
    assert.deepEqual((await verify(dir)).problems, []);
  });
}

for (const code of ['EIO', 'ENOSPC'] as const) {
  test(`${code} on rename: rotation is retried later, the file keeps growing meanwhile, nothing is lost or doubled`, async (t) => {
    const dir = tempDir(t);
    const f = faulty('rename', code);
    const stderr: string[] = [];
    f.fail(true);
    const s = new FileSink({ path: join(dir, 'audit.log'), driver: f.driver, maxFileSize: 1024, stderr: (l) => stderr.push(l), compress: false });
    for (let i = 0; i < 40; i++) void s.write(line(i), 'none', false);
    await s.flush();
    assert.ok(f.failures >= 1);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith('audit.log.')).length, 0, 'no rotation while rename fails');
    f.fail(false);
    await new Promise((r) => setTimeout(r, 5100)); // the rotation backoff
    for (let i = 40; i < 80; i++) void s.write(line(i), 'none', false);
    await s.close();
    assert.ok(readdirSync(dir).filter((n) => n.startsWith('audit.log.')).length >= 1, 'rotated once renames work');
    assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 80 }, (_, i) => line(i)));
    assert.deepEqual((await verify(dir)).problems, []);
    assert.equal(stderr.length, 2);
  });
}

test('EIO reading a backup to compress it: reported, no half gzip left, the backups stay plain and are compressed at the next rotation', async (t) => {
  const dir = tempDir(t);
  const f = faulty('read', 'EIO');
  const stderr: string[] = [];
  const errors: Error[] = [];
  f.fail(true);
  const s = new FileSink({ path: join(dir, 'audit.log'), driver: f.driver, maxFileSize: 1024, backupCount: 100, stderr: (l) => stderr.push(l), onError: (e) => errors.push(e) });
  for (let i = 0; i < 40; i++) {
    void s.write(line(i), 'none', false);
    await s.flush();
  }
  await until(() => f.failures >= 2);
  // The failed attempt removes its tmp file.
  await until(() => !readdirSync(dir).some((n) => n.endsWith('.tmp')));
  const names = readdirSync(dir);
  assert.ok(names.filter((n) => /^audit\.log\.\d+$/.test(n)).length >= 2, `plain backups: ${names.join(' ')}`);
  assert.equal(errors.length, 1, 'one error per fault');
  assert.match(stderr[0]!, /compressing or pruning backups of .*EIO.*DAYBOOK_E_WRITE/);
  f.fail(false);
  for (let i = 40; i < 60; i++) {
    void s.write(line(i), 'none', false);
    await s.flush();
  }
  // The fault is over once a compression succeeds: said once, and flush() is true again.
  await until(() => stderr.length === 2);
  assert.match(stderr[1]!, /compressing or pruning backups of .* works again after .* EIO/);
  assert.equal(await s.flush(), true);
  await s.close();
  const after = readdirSync(dir).filter((n) => n.startsWith('audit.log.'));
  assert.ok(after.length >= 3 && after.every((n) => /^audit\.log\.\d+\.gz$/.test(n)), `all compressed: ${after.join(' ')}`);
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 60 }, (_, i) => line(i)));
  assert.deepEqual((await verify(dir)).problems, []);
});

test('ENOSPC that lasts: memory stays bounded (DEBUG lines dropped and counted), trades kept, the logger emits error', async (t) => {
  const dir = tempDir(t);
  const f = faulty('write', 'ENOSPC');
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false, fileDriver: f.driver, bufferSize: 64 * 1024, env: {} });
  const errors: Error[] = [];
  logger.on('error', (e: Error) => errors.push(e));
  const warnings: Error[] = [];
  logger.on('warning', (e: Error) => warnings.push(e));
  await logger.flush();
  f.fail(true);
  const stderrWrite = process.stderr.write;
  const stderr: string[] = [];
  process.stderr.write = ((s: string) => (stderr.push(s), true)) as typeof process.stderr.write;
  try {
    const trades = [];
    for (let i = 0; i < 20_000; i++) {
      void logger.logPerformanceMetric('tick', i, 'n', { metadata: { pad: 'z'.repeat(100) } });
      if (i % 1000 === 0) trades.push(logger.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 1 }));
    }
    await until(() => f.failures >= 5);
    assert.ok(errors.length >= 1 && errors.length <= 5, `one error per file, got ${errors.length}`);
    assert.ok(errors.every((e) => (e as { code?: string }).code === 'DAYBOOK_E_WRITE'));
    f.fail(false);
    await logger.flush();
    await logger.close();
    assert.deepEqual(await Promise.all(trades), trades.map(() => false), 'the failed write answered false');
  } finally {
    process.stderr.write = stderrWrite;
  }
  const events = streamLines(dir, 'audit.log').map((l) => JSON.parse(l) as { event_type: string; metadata: { dropped?: number } });
  assert.equal(events.filter((e) => e.event_type === 'trade_entry').length, 20, 'no trade dropped');
  const metrics = events.filter((e) => e.event_type === 'performance_metric').length;
  assert.ok(metrics < 20_000 && metrics > 0, `bounded: ${metrics} of 20000 kept`);
  const note = events.find((e) => e.event_type === 'system_error' && e.metadata.dropped !== undefined);
  assert.ok(note !== undefined, 'the count of dropped lines is logged once space returns');
  assert.ok(stderr.some((l) => /ENOSPC/.test(l)), 'stderr says what happened');
  assert.deepEqual((await verify(dir)).problems, []);
});
