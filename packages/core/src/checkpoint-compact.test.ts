// Compaction of checkpoint files: a stream's .chain file shrinks with retention, stays valid
// through restarts, crashes and exits in the middle, and tampering after it is still found.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GENESIS, sha256hex } from './chain.js';
import { CHAIN_DIR, ChainLog, encodeRecord, keyId, parseRecord, readRecord, signatureFault, type CheckpointRecord, type RecordKind } from './checkpoint.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink, type FileSinkOptions } from './file-sink.js';
import { verify } from './verify.js';
import { tempDir } from './test/helpers.js';
import { fault, notingOpens } from './test/storage.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
/** About 15 lines to a 2 KB file. */
const line = (i: number): string => `{"i":${i},"pad":"${'x'.repeat(40)}"}`;
const chainPath = (dir: string): string => join(dir, CHAIN_DIR, 'audit.log.chain');
const records = (dir: string): CheckpointRecord[] => readFileSync(chainPath(dir), 'utf8').trimEnd().split('\n').map((l) => parseRecord(l)!);

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

let next = 0;
/** Opens the stream, writes `count` lines, closes it. */
async function run(dir: string, count: number, options: Partial<FileSinkOptions> = {}): Promise<void> {
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 3, signingKey: privateKey, ...options });
  for (let i = 0; i < count; i++) void s.write(line(next++), 'none', false);
  await s.close();
}

async function assertClean(dir: string, what: string, signed = true): Promise<void> {
  const v = await verify(dir, { publicKey: signed ? publicKey : undefined });
  assert.deepEqual(v.problems, [], what);
}

/** A signed stream rotated some 20 times with 3 backups kept: its checkpoint file compacted. */
async function compacted(dir: string): Promise<void> {
  await run(dir, 300);
  const rs = records(dir);
  assert.equal(rs[0]!.kind, 'base');
  assert.ok(rs[0]!.gen > 10);
  await assertClean(dir, 'compacted');
}

/** Rewrites the checkpoint file's lines and re-chains every `prev`, as someone without the key could. */
function rechain(dir: string, edit: (lines: string[]) => void): void {
  const lines = readFileSync(chainPath(dir), 'utf8').trimEnd().split('\n');
  edit(lines);
  let prev = GENESIS;
  const out = lines.map((l) => {
    const r = l.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${prev}"`);
    prev = sha256hex(r);
    return r;
  });
  writeFileSync(chainPath(dir), out.join('\n') + '\n');
}

test('the checkpoint file stays the same size over 50 and 200 rotations with 3 backups kept, verifies each time, and a restart appends to it', async (t) => {
  const dir = tempDir(t);
  await run(dir, 50 * 16);
  const at50 = records(dir);
  const bytes50 = readFileSync(chainPath(dir)).length;
  assert.ok(at50.at(-1)!.gen >= 50, `rotated ${at50.at(-1)!.gen} times`);
  await assertClean(dir, 'after 50 rotations');

  // A restart with no rotation: the records continue the compacted file.
  await run(dir, 0);
  const restarted = records(dir);
  assert.deepEqual(restarted.slice(0, at50.length), at50);
  assert.deepEqual(restarted.slice(at50.length).map((r) => r.kind), ['start', 'close']);
  await assertClean(dir, 'after a restart');

  await run(dir, 150 * 16);
  const at200 = records(dir);
  const bytes200 = readFileSync(chainPath(dir)).length;
  assert.ok(at200.at(-1)!.gen >= 200, `rotated ${at200.at(-1)!.gen} times`);
  await assertClean(dir, 'after 200 rotations');
  t.diagnostic(`after ${at50.at(-1)!.gen} rotations: ${at50.length} records, ${bytes50} bytes; after ${at200.at(-1)!.gen}: ${at200.length} records, ${bytes200} bytes`);
  // 3 backups and the current file: a rotate record each, and the close (a start or a prune at most beside them).
  assert.ok(at200.length <= at50.length + 2 && at200.length <= 8, `${at50.length} records, then ${at200.length}`);
  assert.ok(bytes200 <= bytes50 * 1.3, `${bytes50} bytes, then ${bytes200}`);
  const base = at200[0]!;
  assert.equal(base.kind, 'base');
  assert.equal(base.prev, GENESIS);
  assert.equal(base.key, keyId(privateKey));
  const oldest = gunzipSync(readFileSync(join(dir, 'audit.log.3.gz'))).toString('utf8');
  assert.equal(at200.find((r) => r.kind === 'rotate')!.first, /"hash":"([0-9a-f]{64})"/.exec(oldest)![1], 'the first record after the base is about the oldest backup');
});

test('after compaction, deleting the oldest remaining backup is a missing_file', async (t) => {
  const dir = tempDir(t);
  await compacted(dir);
  unlinkSync(join(dir, 'audit.log.3.gz'));
  const v = await verify(dir, { publicKey });
  assert.equal(v.ok, false);
  assert.deepEqual(v.problems.map((p) => p.kind), ['missing_file']);
});

test('after compaction, an edit of the first line of the oldest backup is found through the base record', async (t) => {
  const dir = tempDir(t);
  await compacted(dir);
  const path = join(dir, 'audit.log.3.gz');
  // The content changes, the link it claims does not: only the link it continues from shows it.
  const text = gunzipSync(readFileSync(path)).toString('utf8').replace('{"i":', '{"i":1');
  writeFileSync(path, gzipSync(Buffer.from(text)));
  const v = await verify(dir, { publicKey });
  assert.deepEqual(v.problems.map((p) => [p.file, p.line, p.kind]), [['audit.log.3.gz', 1, 'modified']]);
});

test('after compaction, a base record altered or forged without the key is a bad_signature', async (t) => {
  const dir = tempDir(t);
  await compacted(dir);
  const copy = join(tempDir(t), 'copy');
  cpSync(dir, copy, { recursive: true });
  rechain(dir, (ls) => void (ls[0] = ls[0]!.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'0'.repeat(64)}"`)));
  assert.deepEqual((await verify(dir, { publicKey })).problems.map((p) => [p.file, p.line, p.kind]), [['.daybook/audit.log.chain', 1, 'bad_signature']]);
  // A forger's own key: a base that says the stream began later.
  const forger = generateKeyPairSync('ed25519').privateKey;
  rechain(copy, (ls) => {
    const r = parseRecord(ls[0]!)!;
    ls[0] = encodeRecord({ ...r, gen: r.gen + 1 }, { key: forger, id: keyId(forger) });
  });
  assert.deepEqual((await verify(copy, { publicKey })).problems.map((p) => [p.line, p.kind]), [[1, 'bad_signature']]);
});

test('without a key, a base whose hash was altered (the records re-chained) breaks the continuity of the oldest backup', async (t) => {
  const dir = tempDir(t);
  await run(dir, 300, { signingKey: undefined });
  await assertClean(dir, 'unsigned', false);
  rechain(dir, (ls) => void (ls[0] = ls[0]!.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'a'.repeat(64)}"`)));
  const v = await verify(dir);
  assert.equal(v.ok, false);
  assert.deepEqual(v.problems.map((p) => [p.file, p.line]), [['audit.log.3.gz', 1]]);
});

test('a base record anywhere but first is modified, even with the records re-chained', async (t) => {
  const dir = tempDir(t);
  await compacted(dir);
  rechain(dir, (ls) => void ls.splice(2, 0, ls.shift()!));
  // The records after a bad one are not used, so the files they speak of may show problems too.
  const v = await verify(dir);
  assert.deepEqual([v.problems[0]?.file, v.problems[0]?.line, v.problems[0]?.kind], ['.daybook/audit.log.chain', 3, 'modified']);
  assert.match(v.problems[0]!.message, /base/);
});

test('compaction does not sign again what this writer cannot vouch for: an edited record, or signed records when the key is gone', async (t) => {
  const dir = tempDir(t);
  await compacted(dir);
  // Edited by someone without the key, the records re-chained: only its signature shows it.
  rechain(dir, (ls) => void (ls[3] = ls[3]!.replace(/"time":"[^"]+"/, '"time":"2020-01-01T00:00:00.000Z"')));
  const errors: Error[] = [];
  // One or two rotations: the record is still about a backup kept (or the head the base takes over).
  await run(dir, 20, { onError: (e) => errors.push(e), stderr: () => {} });
  assert.deepEqual(errors.map((e) => (e as { code?: string }).code), ['DAYBOOK_E_CHAIN_COMPACT']);
  assert.match(errors[0]!.message, /checkpoint 4 is not signed by this key/);
  const v = await verify(dir, { publicKey });
  const p = v.problems[0];
  assert.deepEqual([p?.file, p?.line, p?.kind], ['.daybook/audit.log.chain', 4, 'bad_signature'], 'the evidence stays');

  const other = tempDir(t);
  await compacted(other);
  const before = records(other)[0];
  const unsigned: Error[] = [];
  await run(other, 20, { signingKey: undefined, onError: (e) => unsigned.push(e), stderr: () => {} });
  assert.match(unsigned[0]?.message ?? '', /signed, and this writer has no key/);
  assert.deepEqual(records(other)[0], before);
});

test('a crash before the rename leaves a tmp beside the whole old file: verify is clean, the next start removes the tmp and compacts', async (t) => {
  const dir = tempDir(t);
  // The rename never happens: the old file keeps every record, prunes included.
  const errors: Error[] = [];
  const stuck: FileDriver = { ...nodeFileDriver, renameSync: () => { throw fault('EIO', 'rename'); } };
  await run(dir, 300, { driver: stuck, onError: (e) => errors.push(e), stderr: () => {} });
  assert.match(errors[0]?.message ?? '', /EIO/);
  const old = records(dir);
  assert.ok(old.length > 30 && old.some((r) => r.kind === 'prune') && old[0]!.kind === 'start');
  const tmp = chainPath(dir) + '.tmp';
  assert.equal(existsSync(tmp), false, 'a failed compaction removes its tmp');
  // What a crash between writing the new file and renaming it leaves: part of it.
  writeFileSync(tmp, readFileSync(chainPath(dir)).subarray(0, 700));
  await assertClean(dir, 'old file and a tmp');
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 3, signingKey: privateKey });
  assert.equal(existsSync(tmp), false, 'removed at the start, before any compaction');
  await s.close();
  const after = records(dir);
  assert.equal(after[0]!.kind, 'base');
  assert.ok(after.length < 10);
  await assertClean(dir, 'compacted at the next start');
});

test('a failed compaction is reported, leaves the file as it was, and is done at the next rotation', async (t) => {
  const dir = tempDir(t);
  let fail = true;
  const flaky: FileDriver = { ...nodeFileDriver, renameSync: (a, b) => { if (fail) throw fault('EIO', 'rename'); nodeFileDriver.renameSync(a, b); } };
  const errors: Error[] = [];
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 1, signingKey: privateKey, driver: flaky, onError: (e) => errors.push(e), stderr: () => {} });
  for (let i = 0; i < 100; i++) void s.write(line(i), 'none', false);
  await s.flush();
  await until(() => errors.length > 0);
  assert.match(errors[0]!.message, /EIO/);
  assert.equal(records(dir)[0]!.kind, 'start');
  await assertClean(dir, 'not compacted');
  fail = false;
  for (let i = 100; i < 150; i++) void s.write(line(i), 'none', false);
  await s.close();
  assert.equal(records(dir)[0]!.kind, 'base');
  await assertClean(dir, 'compacted at a later rotation');
});

/** The real driver, with the sync of the compacted file held until `release()`. */
function heldCompaction(): { driver: FileDriver; reached: Promise<void>; release: () => void } {
  let reached!: () => void;
  let release!: () => void;
  const reachedP = new Promise<void>((r) => (reached = r));
  const gate = new Promise<void>((r) => (release = r));
  const tmp = notingOpens('.chain.tmp');
  const driver: FileDriver = {
    ...tmp.driver,
    fdatasync: async (fd) => {
      if (tmp.fds.has(fd)) {
        reached();
        await gate;
      }
      return nodeFileDriver.fdatasync(fd);
    },
  };
  return { driver, reached: reachedP, release };
}

/** A chain log of two rotated generations, the first of them pruned, and a compaction held before its sync. */
async function logWithHeldCompaction(dir: string): Promise<{ log: ChainLog; compaction: Promise<void>; release: () => void; lines: () => string[] }> {
  const held = heldCompaction();
  const path = join(dir, 'audit.log.chain');
  const log = new ChainLog(path, held.driver, privateKey, (e) => assert.fail(e));
  const rec = (kind: RecordKind, gen: number, extra: Partial<CheckpointRecord> = {}): Parameters<ChainLog['append']>[0] =>
    ({ kind, stream: 'audit.log', gen, line: 3, hash: sha256hex(`${kind}${gen}`), ...extra });
  await log.append(rec('rotate', 0, { first: sha256hex('a') }));
  await log.append(rec('rotate', 1, { first: sha256hex('b') }));
  await log.append(rec('prune', 2, { line: 0, hash: GENESIS, pruned: 0 }));
  const compaction = log.compact({ first: sha256hex('b') });
  await held.reached;
  return { log, compaction, release: held.release, lines: () => readFileSync(path, 'utf8').trimEnd().split('\n') };
}

/** Every record follows the one before it and is signed. */
function assertChained(lines: readonly string[]): void {
  let prev = GENESIS;
  for (const [i, l] of lines.entries()) {
    const r = readRecord(l, i, prev);
    assert.equal(typeof r, 'object', String(r));
    assert.equal(signatureFault(l, r as CheckpointRecord, publicKey, keyId(publicKey)), undefined);
    prev = sha256hex(l);
  }
}

const kinds = (lines: readonly string[]): string[] => lines.map((l) => parseRecord(l)!.kind);

test('records appended while a compaction runs are written after it, chained to the compacted file', async (t) => {
  const { log, compaction, release, lines } = await logWithHeldCompaction(tempDir(t));
  const appended = [log.append({ kind: 'checkpoint', stream: 'audit.log', gen: 2, line: 5, hash: sha256hex('5') }), log.append({ kind: 'checkpoint', stream: 'audit.log', gen: 2, line: 9, hash: sha256hex('9') })];
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(kinds(lines()), ['rotate', 'rotate', 'prune'], 'nothing is written while the compaction runs');
  release();
  await compaction;
  await Promise.all(appended);
  await log.close();
  assert.deepEqual(kinds(lines()), ['base', 'rotate', 'checkpoint', 'checkpoint']);
  assert.equal(parseRecord(lines()[0]!)!.hash, sha256hex('rotate0'), 'the base carries the head of the generation before');
  assert.equal(parseRecord(lines()[0]!)!.dropped, 2);
  assertChained(lines());
});

test('an exit during a compaction writes the queued records and its own to the old file, and the compaction is dropped', async (t) => {
  const dir = tempDir(t);
  const { log, compaction, release, lines } = await logWithHeldCompaction(dir);
  void log.append({ kind: 'checkpoint', stream: 'audit.log', gen: 2, line: 5, hash: sha256hex('5') });
  log.appendSync({ kind: 'close', stream: 'audit.log', gen: 2, line: 5, hash: sha256hex('5') });
  log.closeSync();
  release();
  await compaction;
  assert.deepEqual(kinds(lines()), ['rotate', 'rotate', 'prune', 'checkpoint', 'close']);
  assertChained(lines());
  assert.deepEqual(readdirSync(dir), ['audit.log.chain'], 'the new file is removed');
});
