// The crash test of the writer's own housekeeping: a child logs `sync` trades through 256 KiB
// files (backupCount 10, gzip, signed checkpoints every 20 ms), so that at any moment it is
// likely rotating, compressing, pruning or compacting; it is killed 50 times with SIGKILL and
// 20 times with SIGTERM at random moments, each run starting on the directory the previous
// kill left. A crash must never look like tampering (CHAIN.md, Crashes).
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { test, type TestContext } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CHAIN_DIR, parseRecord, type CheckpointRecord } from './checkpoint.js';
import { classifyLogNames } from './stream-files.js';
import { shiftAndRename } from './rotation.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { FileSink } from './file-sink.js';
import { tempDir } from './test/helpers.js';
import { exited, killAfterReady, startChild } from './test/storage.js';
import { verify } from './verify.js';

const BACKUP_COUNT = 10;
/** 256 KiB; DAYBOOK_CRASH_FILE_SIZE runs the same test at another size (1 MiB: 1048576). */
const FILE_SIZE = Number(process.env['DAYBOOK_CRASH_FILE_SIZE'] ?? 256 * 1024);
const STREAMS = ['audit.log', 'trades.log'] as const;

/** 50 SIGKILLs and 20 SIGTERMs, shuffled. */
function signals(): NodeJS.Signals[] {
  const s: NodeJS.Signals[] = [...Array<NodeJS.Signals>(50).fill('SIGKILL'), ...Array<NodeJS.Signals>(20).fill('SIGTERM')];
  for (let i = s.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  return s;
}

/** Order ids of a stream's lines, oldest first, from the files verify and the readers take. */
function orderIds(dir: string, stream: string): string[] {
  const files = classifyLogNames(readdirSync(dir)).streams.get(stream) ?? [];
  const ids: string[] = [];
  for (const f of files) {
    const raw = readFileSync(join(dir, f.name));
    const text = (f.gz ? gunzipSync(raw) : raw).toString('utf8');
    // Complete lines only (a torn tail was never acknowledged); a regular expression, not
    // JSON.parse, keeps 70 rounds of reading some 20 MB each within the test's time.
    for (const m of text.slice(0, text.lastIndexOf('\n') + 1).matchAll(/"order_id":"([^"]+)"/g)) ids.push(m[1]!);
  }
  return ids;
}

/** What a kill left that only a crash in the middle of the housekeeping leaves. */
function housekeepingLeft(dir: string): string[] {
  const names = readdirSync(dir);
  const meta = readdirSync(join(dir, CHAIN_DIR));
  const left: string[] = [];
  for (const stream of STREAMS) {
    if (names.some((n) => n.startsWith(stream + '.') && n.endsWith('.gz.tmp'))) left.push('compressing');
    const nums = names.flatMap((n) => {
      const m = new RegExp(`^${stream.replace('.', '\\.')}\\.(\\d+)(\\.gz)?$`).exec(n);
      return m === null ? [] : [Number(m[1])];
    });
    if (new Set(nums).size !== nums.length) left.push('renaming a gzip');
    if (nums.length > 0 && Math.max(...nums) > new Set(nums).size) left.push('shifting');
    if (meta.includes(stream + '.chain.tmp')) left.push('compacting');
    const records = readFileSync(join(dir, CHAIN_DIR, stream + '.chain'), 'utf8').split('\n').filter((l) => l !== '');
    const last = parseRecord(records[records.length - 1] ?? '');
    if (last?.kind === 'rotate' || last?.kind === 'prune') left.push(`after a ${last.kind} record`);
  }
  return left;
}

/**
 * A directory in memory where there is one (Linux's /dev/shm): a killed process leaves there
 * exactly what it leaves on a disk (its writes are in the page cache either way), and 70 starts
 * of some ten fdatasyncs each then take the time of the work rather than of a shared disk.
 */
function memoryDir(t: TestContext): string {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'daybook-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Run {
  pid: string;
  /** Acknowledged order ids. */
  acked: Set<string>;
}

/** What one kill left, checked on a copy of the directory (the next run goes on meanwhile). */
async function checkKill(snap: string, at: string, signal: NodeJS.Signals, runs: readonly Run[], publicKey: KeyObject): Promise<{ failures: string[]; torn: number; backups: number }> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string): void => void (ok || failures.push(what));
  const v = await verify(snap, { publicKey });
  // A torn last line and a plain backup beside its identical gzip are what a kill leaves; verify lists them, `ok` stays true.
  const damage = v.problems.filter((p) => p.kind !== 'torn_tail' && p.kind !== 'leftover');
  check(damage.length === 0, `${at}: ${JSON.stringify(damage)} ${housekeepingLeft(snap).join(', ')}`);
  const run = runs[runs.length - 1]!;
  const byStream = new Map(STREAMS.map((stream) => [stream, orderIds(snap, stream)]));
  if (signal === 'SIGTERM') {
    // Ended gracefully: every queued line written whole, and a closing record last.
    check(v.problems.every((p) => p.kind !== 'torn_tail'), `${at}: ${JSON.stringify(v.problems)}`);
    for (const stream of STREAMS) {
      const records = readFileSync(join(snap, CHAIN_DIR, stream + '.chain'), 'utf8').split('\n').filter((l) => l !== '');
      const last = parseRecord(records[records.length - 1]!)?.kind;
      check(last === 'close', `${at}: ${stream} ends with a ${last} record`);
    }
    // What the log call had queued for trades.log (durability none, so not acknowledged) was
    // written too: this run's trades there are those in audit.log, from where both still reach.
    const mine = (stream: (typeof STREAMS)[number]): number[] => byStream.get(stream)!.filter((id) => id.startsWith(run.pid + '-')).map((id) => Number(id.slice(run.pid.length + 1)));
    const [a, b] = [mine('audit.log'), mine('trades.log')];
    const from = Math.max(a[0] ?? 0, b[0] ?? 0);
    const after = (xs: number[]): string => xs.filter((n) => n >= from).join();
    check(after(a) === after(b), `${at}: trades.log lacks trades that audit.log holds (${a.length} against ${b.length})`);
  }
  let most = 0;
  for (const stream of STREAMS) {
    // Retention: pruning comes before the rename that makes a backup too many (file-sink.ts).
    const backups = classifyLogNames(readdirSync(snap)).streams.get(stream)!.filter((f) => f.n > 0).length;
    most = Math.max(most, backups);
    check(backups <= BACKUP_COUNT, `${at}: ${stream} has ${backups} backups`);

    const ids = byStream.get(stream)!;
    check(new Set(ids).size === ids.length, `${at}: ${stream} holds ${ids.length - new Set(ids).size} trades twice`);
    // An acknowledgement says the line is in audit.log; the category files are views, written
    // with durability none (a kill may take what they had queued), checked for doubles only.
    if (stream !== 'audit.log') continue;
    // Retention deletes the oldest files: an acknowledged trade may be gone only if it is
    // older than the stream's oldest line.
    const onDisk = new Set(ids);
    const oldest = ids[0];
    const oldestRun = oldest === undefined ? runs.length : runs.findIndex((x) => oldest.startsWith(x.pid + '-'));
    const oldestSeq = oldest === undefined ? 0 : Number(oldest.slice(oldest.indexOf('-') + 1));
    let lost = 0;
    for (const [i, x] of runs.entries()) {
      for (const id of x.acked) {
        if (onDisk.has(id)) continue;
        const older = i < oldestRun || (i === oldestRun && Number(id.slice(id.indexOf('-') + 1)) < oldestSeq);
        if (!older) lost++;
      }
    }
    check(lost === 0, `${at}: ${lost} acknowledged trades are not in audit.log`);
  }
  return { failures, torn: v.problems.length - damage.length, backups: most };
}

test('SIGKILL and SIGTERM in the middle of rotations, compressions, prunes and compactions: never tampering, no acknowledged trade lost or doubled, retention kept', async (t) => {
  const dir = memoryDir(t);
  const snaps = memoryDir(t);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const env = { ...process.env, DAYBOOK_TEST_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  /** Each run in the order they wrote. */
  const runs: Run[] = [];
  const seen: Record<string, number> = {};
  /** Every failure of every kill: one test run shows all the ways a crash went wrong. */
  const failures: string[] = [];
  let torn = 0;
  let maxBackups = 0;
  /** Kills after which some step of a rotation, compression, prune or compaction was left half done. */
  let halfDone = 0;
  // The checks of one kill run on a copy while the next run goes on: the test takes the time of the runs.
  let checks = Promise.resolve();
  for (const [round, signal] of signals().entries()) {
    const child = startChild('churn', dir, FILE_SIZE, env);
    const result = exited(child);
    const run: Run = { pid: String(child.pid), acked: new Set() };
    runs.push(run);
    await killAfterReady(child, signal, 10 + Math.random() * 290, (l) => run.acked.add(l));
    const r = await result;
    assert.equal(r.signal, signal, r.stderr);
    const left = housekeepingLeft(dir);
    for (const what of new Set(left)) seen[what] = (seen[what] ?? 0) + 1;
    if (left.length > 0) halfDone++;
    const snap = join(snaps, String(round));
    cpSync(dir, snap, { recursive: true });
    const upTo = runs.slice();
    checks = checks.then(async () => {
      const c = await checkKill(snap, `round ${round} (${signal})`, signal, upTo, publicKey);
      failures.push(...c.failures);
      torn += c.torn;
      maxBackups = Math.max(maxBackups, c.backups);
      const keep = process.env['DAYBOOK_CRASH_KEEP'];
      if (keep !== undefined && c.failures.length > 0 && !existsSync(keep)) renameSync(snap, keep);
      else rmSync(snap, { recursive: true });
    });
  }
  await checks;
  for (const f of failures) t.diagnostic(f);
  assert.deepEqual(failures.slice(0, 30), [], `${failures.length} failures`);
  const acked = runs.reduce((n, x) => n + x.acked.size, 0);
  t.diagnostic(`${FILE_SIZE} B files: acknowledged ${acked}, torn tails ${torn}, most backups ${maxBackups}; ${halfDone} of 70 kills left housekeeping half done: ${JSON.stringify(seen)}`);
  assert.ok(acked > 1000, `acknowledged ${acked}`);
  // The point of the test: many kills land inside the housekeeping (60 or more of 70 when measured).
  assert.ok(halfDone >= 10, `only ${halfDone} kills landed in the middle of a rotation, compression, prune or compaction`);
});

// ---- the states the random kills above found, each made on purpose -----------------------------

const { privateKey: key, publicKey: pub } = generateKeyPairSync('ed25519');
const records = (dir: string): CheckpointRecord[] => readFileSync(join(dir, CHAIN_DIR, 'audit.log.chain'), 'utf8').trimEnd().split('\n').map((l) => parseRecord(l)!);
const padded = (i: number): string => `{"i":${i},"pad":"${'x'.repeat(40)}"}`;

/**
 * A writer (2 KB files, one backup, signed) whose first rotation renames audit.log to .1 and
 * then waits; five lines queued meanwhile, then the exit path (finalizeSync) runs there, as
 * SIGTERM would. Returns how many lines were logged.
 */
async function exitInRotation(dir: string): Promise<number> {
  let held = false;
  const holding: FileDriver = {
    ...nodeFileDriver,
    rename: async (from, to) => {
      await nodeFileDriver.rename(from, to);
      if (from === join(dir, 'audit.log') && !held) {
        held = true;
        await new Promise(() => {});
      }
    },
  };
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 1, signingKey: key, driver: holding });
  let i = 0;
  while (!held) {
    void s.write(padded(i++), 'none', false);
    await new Promise((r) => setTimeout(r, 1));
  }
  for (let k = 0; k < 5; k++) void s.write(padded(i++), 'none', false);
  s.finalizeSync();
  return i;
}

test('the exit path in the middle of a rotation: the lines it writes into the closed file stay in the chain after that file is pruned and its records compacted', async (t) => {
  const dir = tempDir(t);
  let i = await exitInRotation(dir);
  assert.deepEqual((await verify(dir, { publicKey: pub })).problems, []);
  const closed = records(dir).filter((r) => r.kind === 'rotate').pop()!.gen;
  // One more rotation: retention deletes that file, and compaction makes the next one the first.
  const next = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 1, signingKey: key });
  for (let k = 0; k < 20; k++) void next.write(padded(i++), 'none', false);
  await next.close();
  const first = records(dir)[0]!;
  assert.equal(first.kind, 'base');
  assert.equal(first.gen, closed + 1);
  assert.deepEqual((await verify(dir, { publicKey: pub })).problems, []);
});

test('a rotation deletes the backup it would make one too many before it renames: a crash at any step leaves at most backupCount', async (t) => {
  const dir = tempDir(t);
  let rotations = 0;
  let most = 0;
  // At each step that renames a file, what a crash there would leave.
  const counting: FileDriver = {
    ...nodeFileDriver,
    rename: async (from, to) => {
      most = Math.max(most, classifyLogNames(readdirSync(dir)).streams.get('audit.log')!.filter((f) => f.n > 0).length);
      await nodeFileDriver.rename(from, to);
      most = Math.max(most, classifyLogNames(readdirSync(dir)).streams.get('audit.log')!.filter((f) => f.n > 0).length);
      if (from === join(dir, 'audit.log')) rotations++;
    },
  };
  const s = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 2, compress: false, signingKey: key, driver: counting });
  for (let i = 0; i < 150; i++) void s.write(padded(i), 'none', false);
  await s.close();
  assert.ok(rotations > 5, `${rotations} rotations`);
  assert.equal(most, 2);
  assert.deepEqual((await verify(dir, { publicKey: pub })).problems, []);
});

test('a kill inside the exit path, after it wrote lines into the file its rotation renamed and before the close record: start vouches for them', async (t) => {
  const dir = tempDir(t);
  let i = await exitInRotation(dir);
  // The kill came before the close record: the file as it was without it (the chain of records intact).
  const chain = join(dir, CHAIN_DIR, 'audit.log.chain');
  const lines = readFileSync(chain, 'utf8').trimEnd().split('\n');
  assert.equal(parseRecord(lines.pop()!)?.kind, 'close');
  writeFileSync(chain, lines.join('\n') + '\n');
  const closed = records(dir).filter((r) => r.kind === 'rotate').pop()!.gen;
  const next = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 1, signingKey: key });
  for (let k = 0; k < 20; k++) void next.write(padded(i++), 'none', false);
  await next.close();
  assert.equal(records(dir)[0]!.gen, closed + 1);
  assert.deepEqual((await verify(dir, { publicKey: pub })).problems, []);
});

test('a rotation that finds a plain backup beside its gzip (a compression killed between its rename and its unlink): a kill at any step of the shift leaves no generation twice, and the next start cleans up', async (t) => {
  const made = tempDir(t);
  const sink = new FileSink({ path: join(made, 'audit.log'), maxFileSize: 2048, backupCount: 10, signingKey: key });
  for (let i = 0; i < 60; i++) void sink.write(padded(i), 'none', false);
  await sink.close();
  // What the kill left: the gzip renamed into place, its plain backup not yet unlinked.
  writeFileSync(join(made, 'audit.log.1'), gunzipSync(readFileSync(join(made, 'audit.log.1.gz'))));
  assert.deepEqual((await verify(made, { publicKey: pub })).problems.map((p) => p.kind), ['leftover']);
  assert.ok(existsSync(join(made, 'audit.log.3.gz')), 'backups to shift');

  // The shift, killed before each step that names a file in turn (the driver stops there, as
  // the process would); the last step renames audit.log itself, after the writer's rotate record.
  let steps = 0;
  for (let kill = 0; ; kill++) {
    const dir = join(tempDir(t), 'logs');
    cpSync(made, dir, { recursive: true });
    let step = 0;
    const dying: FileDriver = {
      ...nodeFileDriver,
      rename: async (from, to) => {
        if (step++ === kill) throw new Error('killed');
        await nodeFileDriver.rename(from, to);
      },
      unlink: async (path) => {
        if (step++ === kill) throw new Error('killed');
        await nodeFileDriver.unlink(path);
      },
    };
    const finished = await shiftAndRename(dying, dir, 'audit.log').then(() => true, () => false);
    if (finished) break;
    steps++;
    const damage = (await verify(dir, { publicKey: pub })).problems.filter((p) => p.kind !== 'leftover');
    assert.deepEqual(damage, [], `killed before step ${kill}`);
    const next = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 2048, backupCount: 10, signingKey: key });
    for (let i = 0; i < 5; i++) void next.write(padded(1000 + i), 'none', false);
    await next.close();
    assert.deepEqual((await verify(dir, { publicKey: pub })).problems, [], `the start after a kill before step ${kill}`);
  }
  assert.ok(steps > 3, `${steps} steps`);
});
