// Tampering: hundreds of random mutations of copies of one signed, rotated, compressed log
// directory; verify must find every one.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AuditLogger } from './audit-logger.js';
import { CHAIN_DIR } from './checkpoint.js';
import { verify, type DamageKind } from './verify.js';
import { tempDir } from './test/helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

async function makeLogDir(dir: string, backupCount = 100): Promise<void> {
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false, env: {}, maxFileSize: 16 * 1024, backupCount, signingKey: privateKey, checkpointLines: 50 });
  for (let i = 0; i < 400; i++) {
    void logger.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 100 + i, orderId: `o${i}` });
    void logger.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 200, latencyMs: i % 17 });
    if (i % 50 === 0) void logger.logError('timeout', 'broker', { error: new Error('ETIMEDOUT') });
  }
  await logger.close();
}

type Rng = () => number;
function rng(seed: number): Rng {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Reads a log file as lines (gunzipped), applies `edit`, writes it back the same way. */
function editLines(path: string, edit: (lines: string[]) => string[] | undefined): boolean {
  const gz = path.endsWith('.gz');
  const raw = readFileSync(path);
  const text = (gz ? gunzipSync(raw) : raw).toString('utf8');
  if (text === '') return false;
  const lines = text.slice(0, -1).split('\n');
  const next = edit(lines);
  if (next === undefined) return false;
  const out = Buffer.from(next.length === 0 ? '' : next.join('\n') + '\n');
  writeFileSync(path, gz ? gzipSync(out) : out);
  return true;
}

const MUTATIONS = ['flip', 'flip_line', 'delete', 'duplicate', 'swap', 'truncate', 'delete_backup', 'insert_forged'] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Applies one random mutation to a copy; returns a description, or undefined if it could not apply. */
function mutate(dir: string, m: Mutation, r: Rng): string | undefined {
  const logs = readdirSync(dir).filter((n) => n.includes('.log'));
  const file = pick(r, logs);
  const path = join(dir, file);
  switch (m) {
    case 'flip': {
      // A raw byte anywhere: log files, compressed backups, or the checkpoints. (The gzip
      // header's MTIME/XFL/OS bytes, 4-9, hold no log data and are not covered.)
      const target = r() < 0.2 ? join(dir, CHAIN_DIR, pick(r, readdirSync(join(dir, CHAIN_DIR)).filter((n) => n.endsWith('.chain')))) : path;
      const buf = readFileSync(target);
      if (buf.length === 0) return undefined;
      let at = Math.floor(r() * buf.length);
      if (target.endsWith('.gz') && at >= 4 && at <= 9) at = 10 + Math.floor(r() * (buf.length - 10));
      buf[at] = buf[at]! ^ (1 << Math.floor(r() * 8));
      writeFileSync(target, buf);
      return `flip byte ${at} of ${target.slice(dir.length + 1)}`;
    }
    case 'flip_line':
      // A tamperer editing a value inside a line, compressed files included.
      return editLines(path, (ls) => {
        const i = Math.floor(r() * ls.length);
        const l = ls[i]!;
        const at = Math.floor(r() * l.length);
        const c = l[at] === '1' ? '2' : '1';
        ls[i] = l.slice(0, at) + c + l.slice(at + 1);
        return ls;
      }) ? `edit a character in ${file}` : undefined;
    case 'delete':
      return editLines(path, (ls) => (ls.length < 1 ? undefined : (ls.splice(Math.floor(r() * ls.length), 1), ls))) ? `delete a line of ${file}` : undefined;
    case 'duplicate':
      return editLines(path, (ls) => {
        const i = Math.floor(r() * ls.length);
        ls.splice(i, 0, ls[i]!);
        return ls;
      }) ? `duplicate a line of ${file}` : undefined;
    case 'swap':
      return editLines(path, (ls) => {
        if (ls.length < 2) return undefined;
        const i = Math.floor(r() * (ls.length - 1));
        const j = r() < 0.5 ? i + 1 : Math.floor(r() * ls.length);
        if (i === j) return undefined;
        [ls[i], ls[j]] = [ls[j]!, ls[i]!];
        return ls;
      }) ? `swap two lines of ${file}` : undefined;
    case 'truncate': {
      const buf = readFileSync(path);
      if (buf.length === 0) return undefined;
      writeFileSync(path, buf.subarray(0, Math.floor(r() * buf.length)));
      return `truncate ${file}`;
    }
    case 'delete_backup': {
      const backups = logs.filter((n) => /\.\d+\.gz$/.test(n));
      if (backups.length === 0) return undefined;
      const b = pick(r, backups);
      unlinkSync(join(dir, b));
      return `delete backup ${b}`;
    }
    case 'insert_forged':
      // A forged line with a link computed over the forger's own content.
      return editLines(path, (ls) => {
        const i = Math.floor(r() * ls.length);
        const src = JSON.parse(ls[i]!) as Record<string, unknown>;
        src.event_id = '01900000-0000-7000-8000-000000000000';
        ls.splice(i, 0, JSON.stringify(src));
        return ls;
      }) ? `insert a forged line into ${file}` : undefined;
  }
}

test('a clean signed directory verifies, with its signatures checked; a wrong key is bad_signature', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const clean = await verify(dir, { publicKey });
  assert.deepEqual(clean.problems, []);
  assert.equal(clean.ok, true);
  assert.ok(clean.files.length > 10);
  const other = generateKeyPairSync('ed25519').publicKey;
  const wrong = await verify(dir, { publicKey: other });
  assert.equal(wrong.ok, false);
  assert.ok(wrong.problems.every((p) => p.kind === 'bad_signature'));
  // The last record's signature is hashed by no later record. Node's base64 decoder skips a
  // byte outside the alphabet, so a flipped padding '=' decodes to the same signature: it must
  // still be found (a random-mutation run once hit exactly this).
  const chain = join(dir, CHAIN_DIR, 'errors.log.chain');
  const bytes = readFileSync(chain);
  const pad = bytes.lastIndexOf('=="}');
  assert.ok(pad > 0);
  bytes[pad + 1] = bytes[pad + 1]! ^ 0x80;
  writeFileSync(chain, bytes);
  const mangled = await verify(dir, { publicKey });
  assert.deepEqual(mangled.problems.map((p) => [p.file, p.kind]), [['.daybook/errors.log.chain', 'bad_signature']]);
});

test('rewriting the whole chain consistently is caught by the signatures', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  // The forger re-chains trades.log from scratch over altered lines and drops its checkpoints.
  const { link, withLink, splitLink, GENESIS } = await import('./chain.js');
  const path = join(dir, 'errors.log');
  let prev = GENESIS;
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => splitLink(l)!.content.replace('ETIMEDOUT', 'EOK'));
  writeFileSync(path, lines.map((c) => withLink(c, (prev = link(prev, c)))).join('\n') + '\n');
  rmSync(join(dir, CHAIN_DIR, 'errors.log.chain'));
  assert.equal((await verify(dir, { publicKey })).ok, false);
});

/** Applies `count` random mutations, each to a fresh copy of `base`: verify must find every one. */
async function everyMutationDetected(t: TestContext, base: string, count: number, seed: number): Promise<void> {
  const scratch = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/daybook-tamper-') : tempDir(t);
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const r = rng(seed);
  const kinds = new Map<Mutation, Map<DamageKind, number>>();
  let applied = 0;
  for (let n = 0; applied < count && n < 1000; n++) {
    // Copies only need to be read back: on tmpfs when there is one, three hundred copies
    // cost no disk I/O.
    const copy = join(scratch, `copy-${n}`);
    cpSync(base, copy, { recursive: true });
    const m = MUTATIONS[n % MUTATIONS.length]!;
    const what = mutate(copy, m, r);
    if (what === undefined) continue;
    // A mutation that leaves the bytes as they were (a line swapped with an identical one) is no mutation.
    applied++;
    const res = await verify(copy, { publicKey });
    assert.equal(res.ok, false, `not detected: ${what}\n${JSON.stringify(res.problems)}`);
    const byKind = kinds.get(m) ?? new Map<DamageKind, number>();
    const first = res.problems.find((p) => p.kind !== 'torn_tail')!;
    byKind.set(first.kind, (byKind.get(first.kind) ?? 0) + 1);
    kinds.set(m, byKind);
    rmSync(copy, { recursive: true, force: true });
  }
  assert.equal(applied, count);
  for (const [m, byKind] of kinds) t.diagnostic(`${m}: ${[...byKind].map(([k, c]) => `${k} ${c}`).join(', ')}`);
}

test('hundreds of random mutations: every one is detected', async (t) => {
  const base = tempDir(t);
  await makeLogDir(base);
  await everyMutationDetected(t, base, 300, 20261122);
});

test('random mutations of a directory whose checkpoint files were compacted: every one is detected', async (t) => {
  const base = tempDir(t);
  await makeLogDir(base, 4);
  assert.match(readFileSync(join(base, CHAIN_DIR, 'audit.log.chain'), 'utf8'), /^\{"v":1,"kind":"base"/);
  await everyMutationDetected(t, base, 100, 20261123);
});

test('app logs with the chain off are listed as unchained, not damaged; an audit file stripped of links and checkpoints is not let off', async (t) => {
  const dir = tempDir(t);
  const { setupCriticalLogging } = await import('./app-logger.js');
  const app = setupCriticalLogging('jit-mm-swift', { logDir: dir, enableConsoleLogging: false, env: {} });
  app.info('Processing order o-1 for SOL-PERP');
  await app.close();
  const chained = setupCriticalLogging('hedge-bot', { logDir: dir, enableConsoleLogging: false, chain: true, signingKey: privateKey, env: {} });
  chained.info('hedged');
  await chained.close();
  await makeLogDir(dir);
  const r = await verify(dir, { publicKey });
  assert.deepEqual(r.problems, []);
  assert.equal(r.files.find((f) => f.file === 'jit-mm-swift.log')?.chained, false);
  assert.match(readFileSync(join(dir, 'hedge-bot.log'), 'utf8'), /\| hedged\t[0-9a-f]{64}\n$/);
  // Strip errors.log of its links and drop its checkpoints: it must not pass as an app log.
  const path = join(dir, 'errors.log');
  writeFileSync(path, readFileSync(path, 'utf8').replace(/,"hash":"[0-9a-f]{64}"\}/g, '}'));
  rmSync(join(dir, CHAIN_DIR, 'errors.log.chain'));
  const stripped = await verify(dir);
  assert.equal(stripped.ok, false);
  assert.ok(stripped.problems.some((p) => p.file.includes('errors.log') && p.kind === 'missing_file'));
});
