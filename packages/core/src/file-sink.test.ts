import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, truncateSync, appendFileSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink } from './file-sink.js';
import { verify } from './verify.js';
import { splitLink } from './chain.js';
import { tempDir } from './test/helpers.js';
import { fault, notingOpens, streamLines } from './test/storage.js';

const line = (i: number, pad = 0): string => `{"i":${i},"pad":"${'x'.repeat(pad)}"}`;

test('every line carries a link; the chain verifies; a restart appends and continues it', async (t) => {
  const dir = tempDir(t);
  const a = new FileSink({ path: join(dir, 'audit.log') });
  for (let i = 0; i < 100; i++) void a.write(line(i), 'none', false);
  await a.close();
  const b = new FileSink({ path: join(dir, 'audit.log') });
  for (let i = 100; i < 200; i++) void b.write(line(i), 'none', false);
  await b.close();
  const raw = readFileSync(join(dir, 'audit.log'), 'utf8').trimEnd().split('\n');
  assert.equal(raw.length, 200);
  for (const l of raw) assert.ok(splitLink(l) !== undefined && (JSON.parse(l) as { hash: string }).hash.length === 64);
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 200 }, (_, i) => line(i)));
  const r = await verify(dir);
  assert.equal(r.ok, true, JSON.stringify(r.problems));
  assert.deepEqual(r.problems, []);
});

test('sync durability: the promise resolves true only after the line is written; flush waits for in-flight chunks', async (t) => {
  const dir = tempDir(t);
  const s = new FileSink({ path: join(dir, 'trades.log') });
  const acks = Array.from({ length: 1000 }, (_, i) => s.write(line(i), 'sync', false));
  const first = await acks[0];
  assert.equal(first, true);
  assert.ok(readFileSync(join(dir, 'trades.log'), 'utf8').includes('"i":0,'), 'acknowledged line is in the file');
  for (let i = 1000; i < 2000; i++) void s.write(line(i), 'none', true);
  assert.equal(await s.flush(), true);
  assert.equal(readFileSync(join(dir, 'trades.log'), 'utf8').split('\n').length - 1, 2000);
  assert.deepEqual(await Promise.all(acks), acks.map(() => true));
  await s.close();
});

test('a full buffer drops droppable lines, counts them, reports the count once space returns, and never drops the others', async (t) => {
  const dir = tempDir(t);
  const counts: number[] = [];
  const s = new FileSink({ path: join(dir, 'system.log'), bufferSize: 10_000, onDropped: (n) => counts.push(n), chain: false });
  const results = [];
  for (let i = 0; i < 500; i++) results.push(s.write(line(i, 50), 'none', i % 2 === 0));
  const kept = await Promise.all(results);
  await s.flush();
  const dropped = kept.filter((k) => !k).length;
  assert.ok(dropped > 0, 'some lines were dropped');
  assert.ok(kept.every((k, i) => k || i % 2 === 0), 'only droppable lines were dropped');
  assert.deepEqual(counts, [dropped]);
  assert.equal(readFileSync(join(dir, 'system.log'), 'utf8').split('\n').length - 1, 500 - dropped);
  await s.close();
});

test('a torn last line (a crash mid-write) is reported as torn_tail, not tampering, and removed on the next start', async (t) => {
  const dir = tempDir(t);
  const a = new FileSink({ path: join(dir, 'audit.log') });
  for (let i = 0; i < 10; i++) void a.write(line(i), 'none', false);
  await a.close();
  appendFileSync(join(dir, 'audit.log'), '{"i":10,"pad":"');
  const torn = await verify(dir);
  assert.equal(torn.ok, true);
  assert.deepEqual(torn.problems.map((p) => [p.file, p.line, p.kind]), [['audit.log', 11, 'torn_tail']]);
  const b = new FileSink({ path: join(dir, 'audit.log') });
  void b.write(line(11), 'none', false);
  await b.close();
  assert.deepEqual(streamLines(dir, 'audit.log'), [...Array.from({ length: 10 }, (_, i) => line(i)), line(11)]);
  const r = await verify(dir);
  assert.deepEqual(r.problems, []);
});

test('cutting lines a checkpoint vouched for is truncation, not a torn tail', async (t) => {
  const dir = tempDir(t);
  const a = new FileSink({ path: join(dir, 'audit.log') });
  for (let i = 0; i < 10; i++) void a.write(line(i), 'none', false);
  await a.close();
  const size = readFileSync(join(dir, 'audit.log')).length;
  truncateSync(join(dir, 'audit.log'), size - 20);
  const r = await verify(dir);
  assert.equal(r.ok, false);
  assert.equal(r.problems[0]?.kind, 'truncated');
});

test('rotation does not wait for the compression of the previous backup; the gzip is named after the number its backup has when it is done', async (t) => {
  const dir = tempDir(t);
  // Compression reads through the driver: held until the test lets it go, as a compressor
  // starved of CPU would be.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reads = 0;
  const driver: FileDriver = { ...nodeFileDriver, read: async (fd, buf, pos) => (reads++, await gate, nodeFileDriver.read(fd, buf, pos)) };
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 100, driver });
  let i = 0;
  const rotateOnce = async (): Promise<void> => {
    const before = readdirSync(dir).length;
    while (readdirSync(dir).length === before) {
      void s.write(line(i++, 40), 'none', false);
      await s.flush();
    }
  };
  await rotateOnce();
  while (reads === 0) await new Promise((r) => setTimeout(r, 5));
  // The first backup is being compressed (held); three more rotations must not wait for it.
  const more = (async () => {
    for (let k = 0; k < 3; k++) await rotateOnce();
  })();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([more.then(() => 'rotated'), new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 10_000)))]);
  clearTimeout(timer);
  const held = readdirSync(dir).filter((n) => /^audit\.log\.\d+$/.test(n));
  release();
  await more;
  await s.close();
  assert.equal(outcome, 'rotated', 'rotations went on while the compression was held');
  assert.ok(held.length >= 4, `plain backups while held: ${held.join(' ')}`);
  const names = readdirSync(dir).filter((n) => n.startsWith('audit.log.'));
  assert.ok(names.length >= 4 && names.every((n) => /^audit\.log\.\d+\.gz$/.test(n)), `all compressed, no tmp: ${names.join(' ')}`);
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: i }, (_, k) => line(k, 40)));
  assert.deepEqual((await verify(dir)).problems, []);
});

test('a backup deleted while it is being compressed leaves no gzip and no tmp; the writer goes on and verify says the file is missing', async (t) => {
  const dir = tempDir(t);
  let deleted = '';
  const driver: FileDriver = {
    ...nodeFileDriver,
    read: async (fd, buf, pos) => {
      // The first read of the first compression: its backup goes, the open file stays readable.
      if (deleted === '') {
        deleted = readdirSync(dir).find((n) => /^audit\.log\.\d+$/.test(n))!;
        unlinkSync(join(dir, deleted));
      }
      return nodeFileDriver.read(fd, buf, pos);
    },
  };
  const stderr: string[] = [];
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 100, driver, stderr: (l) => stderr.push(l) });
  for (let i = 0; i < 120; i++) {
    void s.write(line(i, 40), 'none', false);
    await s.flush();
  }
  assert.equal(await s.flush(), true);
  await s.close();
  assert.equal(deleted, 'audit.log.1');
  const names = readdirSync(dir).filter((n) => n.startsWith('audit.log.'));
  assert.ok(names.length >= 3 && names.every((n) => /^audit\.log\.\d+\.gz$/.test(n)), `the other backups compressed, no tmp: ${names.join(' ')}`);
  assert.deepEqual(stderr, []);
  const r = await verify(dir);
  assert.deepEqual(r.problems.map((p) => p.kind), ['missing_file']);
});

test('rotation: numbered backups, .1 newest, gzip of closed files only, every line once and in order, restart continues numbering', async (t) => {
  const dir = tempDir(t);
  const open = (): FileSink => new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 4096, backupCount: 100 });
  let s = open();
  for (let i = 0; i < 300; i++) void s.write(line(i, 40), 'none', false);
  await s.close();
  const before = readdirSync(dir).filter((n) => n.startsWith('audit.log.'));
  assert.ok(before.length >= 5, `rotated: ${before.join(' ')}`);
  assert.ok(before.every((n) => /^audit\.log\.\d+\.gz$/.test(n)), `all backups compressed: ${before.join(' ')}`);
  s = open();
  for (let i = 300; i < 600; i++) void s.write(line(i, 40), 'none', false);
  await s.close();
  const after = readdirSync(dir).filter((n) => n.startsWith('audit.log.'));
  assert.ok(after.length > before.length);
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 600 }, (_, i) => line(i, 40)));
  for (const n of readdirSync(dir)) if (n.startsWith('audit.log')) assert.ok(readFileSync(join(dir, n)).length <= 4096, n);
  const r = await verify(dir);
  assert.deepEqual(r.problems, []);
});

test('retention by count and by age is decided from the disk, and recorded so verify does not call it tampering', async (t) => {
  const dir = tempDir(t);
  let s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 3 });
  for (let i = 0; i < 200; i++) void s.write(line(i, 40), 'none', false);
  await s.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('audit.log.')).sort(), ['audit.log.1.gz', 'audit.log.2.gz', 'audit.log.3.gz']);
  assert.deepEqual((await verify(dir)).problems, []);
  // Age: backups last written 10 days ago go at the next start, whatever this process remembers.
  const old = new Date(Date.now() - 10 * 86_400_000);
  for (const n of ['audit.log.2.gz', 'audit.log.3.gz']) utimesSync(join(dir, n), old, old);
  s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 3, retentionDays: 7 });
  await s.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('audit.log.')), ['audit.log.1.gz']);
  assert.deepEqual((await verify(dir)).problems, []);
});

/** `lines` lines written to audit.log with rotation at 2 KB and no compression: the names of the plain backups, newest first. */
async function plainBackups(dir: string, lines: number): Promise<string[]> {
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, compress: false, backupCount: 100 });
  for (let i = 0; i < lines; i++) void s.write(line(i, 40), 'none', false);
  await s.close();
  return readdirSync(dir).filter((n) => /^audit\.log\.\d+$/.test(n)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
}

test('retention runs before compression, which takes the newest backup first: a backup retention deletes is never compressed', async (t) => {
  const dir = tempDir(t);
  assert.ok((await plainBackups(dir, 200)).length >= 6);
  // A compressor that fell behind, as at 50,000 events/s: many plain backups, few kept.
  const gzips = notingOpens('.gz.tmp');
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 2, driver: gzips.driver });
  await s.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('audit.log.')).sort(), ['audit.log.1.gz', 'audit.log.2.gz']);
  assert.deepEqual(gzips.paths.map((p) => p.slice(dir.length + 1)), ['audit.log.1.gz.tmp', 'audit.log.2.gz.tmp']);
  assert.deepEqual((await verify(dir)).problems, []);
});

test('a backup retention cannot delete does not keep the others plain', async (t) => {
  const dir = tempDir(t);
  assert.ok((await plainBackups(dir, 100)).length >= 3);
  const stderr: string[] = [];
  const denied = (p: string): boolean => /audit\.log\.([3-9]|\d\d+)$/.test(p);
  const driver: FileDriver = {
    ...nodeFileDriver,
    unlink: (p) => (denied(p) ? Promise.reject(fault('EACCES', 'unlink')) : nodeFileDriver.unlink(p)),
  };
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 2, driver, stderr: (l) => stderr.push(l) });
  await s.close();
  const names = readdirSync(dir);
  assert.ok(names.includes('audit.log.1.gz') && names.includes('audit.log.2.gz'), names.join(' '));
  assert.ok(names.includes('audit.log.3'), 'the backup it could not delete is still there');
  assert.match(stderr.join('\n'), /EACCES/);
});

test('a disk too full to compress on still gets its old backups deleted', async (t) => {
  const dir = tempDir(t);
  assert.ok((await plainBackups(dir, 200)).length >= 6);
  const stderr: string[] = [];
  const gzips = notingOpens('.gz.tmp');
  const driver: FileDriver = {
    ...gzips.driver,
    write: (fd, data, pos) => (gzips.fds.has(fd) ? Promise.reject(fault('ENOSPC', 'write')) : nodeFileDriver.write(fd, data, pos)),
  };
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 2, driver, stderr: (l) => stderr.push(l) });
  await s.close();
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('audit.log.')).sort(), ['audit.log.1', 'audit.log.2']);
  assert.match(stderr.join('\n'), /ENOSPC/);
  assert.deepEqual((await verify(dir)).problems, []);
});

test('a crash between the steps of compression leaves every line readable exactly once after the next start', async (t) => {
  const dir = tempDir(t);
  const plain = await plainBackups(dir, 100);
  assert.ok(plain.length >= 3);
  // Crash after the rename (both files), and crash before it (a partial tmp).
  const { gzipSync } = await import('node:zlib');
  appendFileSync(join(dir, `${plain[0]}.gz`), gzipSync(readFileSync(join(dir, plain[0]!))));
  appendFileSync(join(dir, `${plain[1]}.gz.tmp`), gzipSync(readFileSync(join(dir, plain[1]!))).subarray(0, 10));
  // The plain file beside its gzip is listed as a crash's leftover, not damage.
  const left = await verify(dir);
  assert.equal(left.ok, true);
  assert.deepEqual(left.problems.map((p) => [p.kind, p.file]), [['leftover', plain[0]]]);
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, compress: true, backupCount: 100 });
  await s.close();
  const names = readdirSync(dir);
  assert.ok(!names.some((n) => /^audit\.log\.\d+$/.test(n) || n.endsWith('.tmp')), names.join(' '));
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 100 }, (_, i) => line(i, 40)));
  assert.deepEqual((await verify(dir)).problems, []);
});

test('two sinks of one file in one process share a writer: nothing interleaves, the chain stays whole', async (t) => {
  const dir = tempDir(t);
  const a = new FileSink({ path: join(dir, 'audit.log') });
  const b = new FileSink({ path: join(dir, 'audit.log') });
  for (let i = 0; i < 50; i++) {
    void a.write(line(2 * i), 'none', false);
    void b.write(line(2 * i + 1), 'none', false);
  }
  await a.close();
  void b.write(line(100), 'none', false);
  await b.close();
  assert.deepEqual(streamLines(dir, 'audit.log'), Array.from({ length: 101 }, (_, i) => line(i)));
  assert.deepEqual((await verify(dir)).problems, []);
  assert.equal(existsSync(join(dir, '.daybook', 'audit.log.lock')), false, 'lock released with the last sink');
});

test('a file written before daybook chained (the Python DayBot) is moved aside whole, and the chain starts after it', async (t) => {
  const dir = tempDir(t);
  const python = '{"timestamp": "2026-11-22T18:47:00.543641+00:00", "level": "INFO", "event_id": "x", "metadata": {}}\n';
  appendFileSync(join(dir, 'audit.log'), python);
  const s = new FileSink({ path: join(dir, 'audit.log') });
  void s.write(line(0), 'none', false);
  await s.close();
  assert.deepEqual(streamLines(dir, 'audit.log'), [python.trimEnd(), line(0)]);
  const r = await verify(dir);
  assert.deepEqual(r.problems, []);
  assert.equal(r.files.find((f) => f.file === 'audit.log.1.gz')?.chained, false);
});
