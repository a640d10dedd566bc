// verify with a cache from an earlier verify must report exactly what verify without one
// reports, whatever happened to the directory in between.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AuditLogger, type AuditLoggerOptions } from './audit-logger.js';
import { CHAIN_DIR } from './checkpoint.js';
import type { VerifyCache } from './verify-cache.js';
import { verify, type VerifyResult } from './verify.js';
import { tempDir } from './test/helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const OPTIONS: AuditLoggerOptions = { consoleLevel: false, env: {}, maxFileSize: 16 * 1024, backupCount: 100, signingKey: privateKey, checkpointLines: 50 };

async function write(dir: string, from: number, count: number, options: AuditLoggerOptions = {}): Promise<void> {
  const logger = new AuditLogger({ ...OPTIONS, ...options, logDir: dir });
  for (let i = from; i < from + count; i++) {
    void logger.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 100 + i, orderId: `o${i}` });
    void logger.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 200, latencyMs: i % 17 });
  }
  await logger.close();
}

const backupsOf = (dir: string, base: string): string[] => readdirSync(dir).filter((n) => n.startsWith(base + '.') && /\.\d+(\.gz)?$/.test(n)).sort();

/** Rewrites a (possibly gzipped) log file's lines; keeps the file's mtime if asked. */
function editLines(path: string, edit: (lines: string[]) => string[]): void {
  const gz = path.endsWith('.gz');
  const raw = readFileSync(path);
  const lines = (gz ? gunzipSync(raw) : raw).toString('utf8').slice(0, -1).split('\n');
  const out = Buffer.from(edit(lines).join('\n') + '\n');
  writeFileSync(path, gz ? gzipSync(out) : out);
}

/** A restart that keeps 3 backups: retention deletes the others, and compaction their checkpoints. */
async function compact(dir: string): Promise<void> {
  await new AuditLogger({ ...OPTIONS, logDir: dir, backupCount: 3 }).close();
  assert.equal(backupsOf(dir, 'audit.log').length, 3);
  assert.match(readFileSync(join(dir, CHAIN_DIR, 'audit.log.chain'), 'utf8'), /^\{"v":1,"kind":"base"/);
}

interface Case {
  name: string;
  /** Changes the copy after a verify has filled the cache; returns the backups it changed. */
  change: (dir: string) => Promise<string[]> | string[];
  damaged: boolean;
}

const CASES: Case[] = [
  { name: 'nothing changed', change: () => [], damaged: false },
  {
    name: 'a byte of a backup flipped, its mtime put back',
    change: (dir) => {
      const name = backupsOf(dir, 'audit.log')[1]!;
      const path = join(dir, name);
      const st = statSync(path);
      // touch -r keeps the nanoseconds, which utimes from JavaScript cannot.
      const ref = path + '.ref';
      execFileSync('touch', ['-r', path, ref]);
      const buf = readFileSync(path);
      buf[Math.floor(buf.length / 2)]! ^= 0x04;
      writeFileSync(path, buf);
      execFileSync('touch', ['-r', ref, path]);
      unlinkSync(ref);
      assert.equal(statSync(path).mtimeMs, st.mtimeMs);
      assert.equal(statSync(path).size, st.size);
      return [name];
    },
    damaged: true,
  },
  {
    name: 'a line of a backup deleted',
    change: (dir) => {
      const name = backupsOf(dir, 'trades.log')[0]!;
      editLines(join(dir, name), (ls) => (ls.splice(3, 1), ls));
      return [name];
    },
    damaged: true,
  },
  {
    name: 'a backup replaced by another one',
    change: (dir) => {
      const [a, b] = backupsOf(dir, 'audit.log');
      cpSync(join(dir, b!), join(dir, a!));
      return [a!];
    },
    damaged: true,
  },
  {
    name: 'a backup deleted',
    change: (dir) => {
      const name = backupsOf(dir, 'audit.log')[2]!;
      unlinkSync(join(dir, name));
      return [name];
    },
    damaged: true,
  },
  {
    name: 'the checkpoint file edited (a record of a backup dropped)',
    change: (dir) => {
      const path = join(dir, CHAIN_DIR, 'audit.log.chain');
      const lines = readFileSync(path, 'utf8').split('\n');
      lines.splice(lines.findIndex((l) => l.includes('"kind":"rotate"')), 1);
      writeFileSync(path, lines.join('\n'));
      return [];
    },
    damaged: true,
  },
  {
    // Still a valid chain of records: without a key, only what the records vouch for changes.
    name: 'the checkpoint file cut back to a record in the middle (no key given)',
    change: (dir) => {
      const path = join(dir, CHAIN_DIR, 'audit.log.chain');
      const lines = readFileSync(path, 'utf8').split('\n');
      writeFileSync(path, lines.slice(0, Math.floor(lines.length / 2)).join('\n') + '\n');
      return [];
    },
    damaged: true,
  },
  {
    name: 'lines appended to the current file',
    change: async (dir) => {
      const before = statSync(join(dir, 'audit.log')).size;
      // Room for them whatever the lines' length: appended, not rotated.
      await write(dir, 1000, 5, { maxFileSize: 1024 * 1024 });
      assert.ok(statSync(join(dir, 'audit.log')).size > before);
      return [];
    },
    damaged: false,
  },
  {
    name: 'a rotation',
    change: async (dir) => {
      const before = backupsOf(dir, 'audit.log').length;
      await write(dir, 2000, 60);
      assert.ok(backupsOf(dir, 'audit.log').length > before);
      return [];
    },
    damaged: false,
  },
  {
    name: 'a restart with fewer backups kept: retention, and the checkpoint file compacted',
    change: async (dir) => {
      await compact(dir);
      return [];
    },
    damaged: false,
  },
  {
    name: 'the checkpoint file compacted, then the first line of the oldest backup edited',
    change: async (dir) => {
      await compact(dir);
      const name = backupsOf(dir, 'audit.log').at(-1)!;
      // Its link stays: only the base record's head shows that its content changed.
      editLines(join(dir, name), (ls) => ((ls[0] = ls[0]!.replace('"level":"', '"level":"X')), ls));
      return [name];
    },
    damaged: true,
  },
  {
    name: 'a backup renamed over a later one (the chain reordered)',
    change: (dir) => {
      const [a, b] = backupsOf(dir, 'audit.log');
      renameSync(join(dir, a!), join(dir, b!));
      return [a!, b!];
    },
    damaged: true,
  },
];

test('a verify with the cache of an earlier one reports what a verify without it reports, whatever changed in between', async (t) => {
  const base = tempDir(t);
  await write(base, 0, 300);
  const dirs = CASES.map((c, i) => {
    const d = join(tempDir(t), `case-${i}`);
    cpSync(base, d, { recursive: true });
    return d;
  });
  // A file changed within the last second is not remembered (its timestamps could still
  // move within one tick of the file system's clock): the copies must be older than that.
  await sleep(1100);
  for (const [i, c] of CASES.entries()) {
    const dir = dirs[i]!;
    const key = c.name.includes('no key') ? undefined : publicKey;
    const cache: VerifyCache = {};
    const first = await verify(dir, { publicKey: key, cache });
    assert.deepEqual(first.problems, [], c.name);
    const reused = (): string[] => cache.reused ?? [];
    assert.deepEqual(reused(), [], c.name);
    const changed = await c.change(dir);
    const withCache: VerifyResult = await verify(dir, { publicKey: key, cache });
    const without = await verify(dir, { publicKey: key });
    assert.deepEqual(withCache, without, c.name);
    assert.equal(without.ok, !c.damaged, `${c.name}: ${JSON.stringify(without.problems)}`);
    for (const name of changed) assert.ok(!reused().includes(name), `${c.name}: ${name} was changed but taken from the cache`);
    if (c.name === 'nothing changed' || c.name === 'lines appended to the current file') {
      // Every backup was taken from the cache: the cases above did exercise it.
      const backups = ['audit.log', 'trades.log', 'performance.log', 'system.log', 'errors.log'].flatMap((b) => backupsOf(dir, b));
      assert.ok(backups.length > 10);
      assert.deepEqual([...reused()].sort(), backups.sort(), c.name);
    }
    // And again with the cache as the changed verify left it.
    assert.deepEqual(await verify(dir, { publicKey: key, cache }), without, `${c.name} (second cached verify)`);
  }
});
