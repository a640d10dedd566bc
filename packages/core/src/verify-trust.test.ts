// What verify vouches for must be what the reports read: every file of a stream (and every
// look-alike beside them), which files exist, the lines past the last checkpoint, and events
// whose id repeats with other content.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AuditLogger } from './audit-logger.js';
import { GENESIS, link, splitLink, withLink } from './chain.js';
import { CHAIN_DIR } from './checkpoint.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
import { verify, type VerifyResult } from './verify.js';
import { tempDir } from './test/helpers.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const OPTIONS = { consoleLevel: false as const, env: {}, maxFileSize: 16 * 1024, backupCount: 100, signingKey: privateKey, checkpointLines: 50 };

async function makeLogDir(dir: string, from = 0, count = 120): Promise<void> {
  const logger = new AuditLogger({ ...OPTIONS, logDir: dir });
  for (let i = from; i < from + count; i++) {
    void logger.logTradeExit({ symbol: 'AAPL', side: 'sell', quantity: 1, price: 100 + i, pnl: -10 - i, orderId: `o${i}` });
    void logger.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: 200, latencyMs: i % 17 });
  }
  await logger.close();
}

const backups = (dir: string, base = 'audit.log'): string[] =>
  readdirSync(dir).filter((n) => n.startsWith(base + '.') && /\.\d+\.gz$/.test(n)).sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
const text = (path: string): string => (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString('utf8');
const kinds = (r: VerifyResult): string[] => r.problems.map((p) => `${p.kind} ${p.file}`);

test('look-alike names beside a stream are named problems; a plain backup identical to its gzip (a crash) is not damage', async (t) => {
  const base = tempDir(t);
  await makeLogDir(base);
  assert.deepEqual((await verify(base, { publicKey })).problems, []);
  const [b1, b2] = backups(base);
  const copy = (name: string, edit: (d: string) => void): string => {
    const d = join(tempDir(t), 'logs');
    cpSync(base, d, { recursive: true });
    edit(d);
    return d;
  };
  for (const [stray, content] of [['audit.log.0', text(join(base, b1!))], ['audit.log.gz', readFileSync(join(base, b1!))], ['audit.log.05.gz', readFileSync(join(base, b2!))]] as const) {
    const d = copy(stray, (d) => writeFileSync(join(d, stray), content));
    const r = await verify(d, { publicKey });
    assert.equal(r.ok, false, stray);
    assert.deepEqual(kinds(r), [`foreign_file ${stray}`]);
  }
  // A compression killed between its rename and its unlink: the same lines twice.
  const plain = b2!.slice(0, -3);
  const leftover = copy(plain, (d) => writeFileSync(join(d, plain), text(join(d, b2!))));
  const r = await verify(leftover, { publicKey });
  assert.equal(r.ok, true);
  assert.deepEqual(kinds(r), [`leftover ${plain}`]);
  // The same name with other lines is no crash.
  const other = copy(plain, (d) => writeFileSync(join(d, plain), text(join(d, b1!))));
  assert.deepEqual(kinds(await verify(other, { publicKey })), [`foreign_file ${plain}`]);
});

test('an unchained backup is accepted only as the exact file the writer moved aside', async (t) => {
  const dir = tempDir(t);
  // The Python DayBot's lines, before daybook chained them.
  const legacy = Array.from({ length: 5 }, (_, i) => JSON.stringify({ timestamp: `2026-01-0${i + 1}T00:00:00.000Z`, level: 'INFO', event_id: `0190000${i}-0000-7000-8000-000000000000`, event_type: 'trade_exit', pnl: -5 })).join('\n') + '\n';
  writeFileSync(join(dir, 'audit.log'), legacy);
  await makeLogDir(dir);
  const clean = await verify(dir, { publicKey });
  assert.deepEqual(clean.problems, []);
  const moved = clean.files.find((f) => f.chained === false);
  assert.ok(moved !== undefined && moved.lines === 5, JSON.stringify(clean.files));
  assert.equal(text(join(dir, moved.file)), legacy);
  // The same file with a losing trade turned into a winner.
  const d = join(tempDir(t), 'logs');
  cpSync(dir, d, { recursive: true });
  const edited = legacy.replace('"pnl":-5}', '"pnl":500}');
  writeFileSync(join(d, moved.file), moved.file.endsWith('.gz') ? gzipSync(edited) : edited);
  const r = await verify(d, { publicKey });
  assert.equal(r.ok, false);
  assert.deepEqual(kinds(r), [`foreign_file ${moved.file}`]);
});

test('an unchained "legacy" backup of copies of real trades, with their event ids, is caught', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const all = backups(dir).reverse().flatMap((b) => text(join(dir, b)).trimEnd().split('\n'));
  const winners = all.filter((l) => l.includes('"trade_exit"')).map((l) => splitLink(l)!.content.replace(/"pnl":-(\d+)/, '"pnl":$1'));
  assert.ok(winners.length > 10);
  const oldest = Math.max(...backups(dir).map((b) => Number(b.split('.')[2])));
  writeFileSync(join(dir, `audit.log.${oldest + 1}.gz`), gzipSync(winners.join('\n') + '\n'));
  const r = await verify(dir, { publicKey });
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => p.kind === 'foreign_file' && p.file === `audit.log.${oldest + 1}.gz`), JSON.stringify(kinds(r)));
  assert.ok(r.problems.some((p) => p.kind === 'duplicate_event'), JSON.stringify(kinds(r)));
});

test('with a public key, a directory stripped of every link and checkpoint fails', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  for (const n of readdirSync(dir).filter((n) => n.includes('.log'))) {
    const path = join(dir, n);
    const stripped = text(path).replace(/,"hash":"[0-9a-f]{64}"\}/g, '}');
    writeFileSync(path, n.endsWith('.gz') ? gzipSync(stripped) : stripped);
  }
  rmSync(join(dir, CHAIN_DIR), { recursive: true });
  const r = await verify(dir, { publicKey });
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => p.kind === 'missing_file'));
});

test('a directory without log files is not ok, and says so', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
  const r = await verify(dir);
  assert.equal(r.ok, false);
  assert.deepEqual(r.problems.map((p) => [p.file, p.kind]), [['.', 'missing_file']]);
  assert.match(r.problems[0]!.message, /no log files/);
});

test('lines past the last checkpoint are named (unvouched); a torn or newline-less tail is a crash; lines after a close are not', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  // No rotation and no checkpoint while the three trades are written.
  const logger = new AuditLogger({ ...OPTIONS, logDir: dir, maxFileSize: 1 << 20, checkpointLines: 100_000, checkpointMs: 3_600_000 });
  for (let i = 0; i < 3; i++) await logger.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 300 + i, orderId: `n${i}` });
  const open = join(tempDir(t), 'logs');
  cpSync(dir, open, { recursive: true });
  await logger.close();
  const r = await verify(open, { publicKey });
  assert.deepEqual(r.problems, []);
  // audit.log holds the logger's start event and the three trades, trades.log the trades.
  assert.deepEqual(r.unvouched?.map((u) => [u.stream, u.file, u.lines]), [['audit.log', 'audit.log', 4], ['system.log', 'system.log', 1], ['trades.log', 'trades.log', 3]]);
  const u = r.unvouched![0]!;
  const lines = text(join(open, 'audit.log')).trimEnd().split('\n');
  assert.equal(u.from, JSON.parse(lines[lines.length - 4]!).timestamp);
  assert.equal(u.to, JSON.parse(lines[lines.length - 1]!).timestamp);
  // The last line whole, but its newline never written: a crash.
  const body = readFileSync(join(open, 'audit.log'));
  writeFileSync(join(open, 'audit.log'), body.subarray(0, body.length - 1));
  const torn = await verify(open, { publicKey });
  assert.equal(torn.ok, true);
  assert.deepEqual(kinds(torn), ['torn_tail audit.log']);

  // After the close record, every line needs a new start: linked lines appended by hand are not a writer's.
  const closed = await verify(dir, { publicKey });
  assert.equal(closed.ok, true);
  assert.equal(closed.unvouched, undefined);
  const last = readFileSync(join(dir, 'audit.log'), 'utf8').trimEnd().split('\n').pop()!;
  const content = splitLink(last)!.content.replace('"MSFT"', '"TSLA"');
  appendFileSync(join(dir, 'audit.log'), withLink(content, link(splitLink(last)!.hash, content)) + '\n');
  const appended = await verify(dir, { publicKey });
  assert.equal(appended.ok, false);
  assert.deepEqual(kinds(appended), ['inserted audit.log']);
  assert.deepEqual(appended.unvouched?.map((u) => [u.stream, u.lines]), [['audit.log', 1]]);
});

test('a repeated event_id with other content is damage, even in lines whose links hold', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const logger = new AuditLogger({ ...OPTIONS, logDir: dir, checkpointLines: 100_000, checkpointMs: 3_600_000 });
  await logger.logTradeEntry({ symbol: 'MSFT', side: 'buy', quantity: 1, price: 300, orderId: 'n0' });
  const d = join(tempDir(t), 'logs');
  cpSync(dir, d, { recursive: true });
  await logger.close();
  // A cache from a clean check: the backups it then does not read still count their ids.
  // (Files changed within the last second are not remembered: verify-cache.ts.)
  await sleep(1100);
  const cache = {};
  assert.deepEqual((await verify(d, { publicKey, cache })).problems, []);
  // Past the last checkpoint, a copy of an old losing exit, now a winner, properly linked.
  const path = join(d, 'audit.log');
  const last = readFileSync(path, 'utf8').trimEnd().split('\n').pop()!;
  const exit = text(join(d, backups(d)[0]!)).split('\n').find((l) => l.includes('"trade_exit"'))!;
  const content = splitLink(exit)!.content.replace(/"pnl":-(\d+)/, '"pnl":$1');
  appendFileSync(path, withLink(content, link(splitLink(last)!.hash, content)) + '\n');
  const r = await verify(d, { publicKey, cache });
  assert.ok((cache as { reused?: string[] }).reused!.includes(backups(d)[0]!));
  assert.equal(r.ok, false);
  assert.deepEqual(kinds(r), ['duplicate_event audit.log']);
  assert.match(r.problems[0]!.message, new RegExp(`event_id ${JSON.parse(content).event_id as string} is also at ${backups(d)[0]!.replace(/\./g, '\\.')}:`));
});

test('swapped backups are named as such, and a foreign backup is not blamed on its neighbour', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const [, b2, b3] = backups(dir);
  const swapped = join(tempDir(t), 'logs');
  cpSync(dir, swapped, { recursive: true });
  renameSync(join(swapped, b2!), join(swapped, 'x'));
  renameSync(join(swapped, b3!), join(swapped, b2!));
  renameSync(join(swapped, 'x'), join(swapped, b3!));
  const r = await verify(swapped, { publicKey });
  assert.equal(r.ok, false);
  // One of the two is out of place (which one moved, nothing can say): nothing else is blamed.
  assert.equal(r.problems.length, 1, JSON.stringify(kinds(r)));
  assert.ok([`reordered ${b2}`, `reordered ${b3}`].includes(kinds(r)[0]!), JSON.stringify(kinds(r)));

  // A genuine backup copied in as the oldest: the copy is named, not the backups after it.
  const copied = join(tempDir(t), 'logs');
  cpSync(dir, copied, { recursive: true });
  const oldest = Math.max(...backups(copied).map((b) => Number(b.split('.')[2])));
  cpSync(join(copied, b2!), join(copied, `audit.log.${oldest + 1}.gz`));
  const c = await verify(copied, { publicKey });
  assert.equal(c.ok, false);
  assert.deepEqual(kinds(c), [`foreign_file audit.log.${oldest + 1}.gz`]);

  // A backup from another log directory in the place of a genuine one.
  const other = tempDir(t);
  await makeLogDir(other, 1000);
  const foreign = join(tempDir(t), 'logs');
  cpSync(dir, foreign, { recursive: true });
  cpSync(join(other, backups(other)[1]!), join(foreign, b2!));
  const f = await verify(foreign, { publicKey });
  assert.equal(f.ok, false);
  assert.deepEqual(kinds(f).sort(), [`foreign_file ${b2}`, `missing_file ${b2}`]);
});

test('special files named like log files are refused, without hanging', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  rmSync(join(dir, 'trades.log'));
  execFileSync('mkfifo', [join(dir, 'trades.log')]);
  mkdirSync(join(dir, 'audit.log.99.gz'));
  // In a child: the FIFO once blocked verify's open for ever, which no test timeout interrupts.
  const script = `import('${new URL('./verify.js', import.meta.url).href}').then(async (m) => process.stdout.write(JSON.stringify(await m.verify(${JSON.stringify(dir)}))))`;
  const out = execFileSync(process.execPath, ['-e', script], { timeout: 20_000, encoding: 'utf8' });
  const r = JSON.parse(out) as VerifyResult;
  assert.equal(r.ok, false);
  for (const name of ['trades.log', 'audit.log.99.gz']) {
    const p = r.problems.find((x) => x.file === name);
    assert.equal(p?.kind, 'foreign_file', name);
    assert.match(p.message, /not a regular file/);
  }
});

test('a stream of 1,200 backups is read with a bounded number of open descriptors', async (t) => {
  const dir = tempDir(t);
  let prev = GENESIS;
  const N = 1200;
  for (let n = N; n >= 0; n--) {
    const c = `{"timestamp":"2026-01-01T00:00:00.000Z","event_id":"e${n}"}`;
    prev = link(prev, c);
    writeFileSync(join(dir, n === 0 ? 'audit.log' : `audit.log.${n}`), withLink(c, prev) + '\n');
  }
  let open = 0;
  let most = 0;
  const driver: FileDriver = {
    ...nodeFileDriver,
    openRead: (path) => {
      const fd = nodeFileDriver.openRead(path);
      most = Math.max(most, ++open);
      return fd;
    },
    closeSync: (fd) => {
      open--;
      nodeFileDriver.closeSync(fd);
    },
  };
  const r = await verify(dir, { driver });
  assert.equal(r.files.filter((f) => f.lines === 1).length, N + 1);
  // Only the missing checkpoint file: no line of 1,201 files is damaged.
  assert.deepEqual(kinds(r), [`missing_file ${CHAIN_DIR}/audit.log.chain`]);
  assert.equal(open, 0);
  assert.ok(most <= 2, `${most} descriptors open at once`);
});

test('past maxEventIds the duplicate check says what it did not check, and still checks the chain', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const r = await verify(dir, { publicKey, maxEventIds: 10 });
  assert.equal(r.ok, true);
  assert.deepEqual(r.problems, []);
  const w = r.warnings?.find((x) => x.message.startsWith('audit.log:'));
  assert.equal(w?.code, 'DAYBOOK_W_VERIFY_EVENT_IDS');
  assert.match(w.message, /\d+ event ids were past/);
});

test('a backup renamed while verify reads the stream (a live writer rotating) sends it back to a new listing, not to "modified"', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const oldest = Math.max(...backups(dir).map((b) => Number(b.split('.')[2])));
  let opens = 0;
  const driver: FileDriver = {
    ...nodeFileDriver,
    openRead: (path) => {
      // The second open of the oldest backup is the check's, after the read-ahead: a rotation
      // shifts it up first (its first rename).
      if (path.endsWith(`/audit.log.${oldest}.gz`) && ++opens === 2) renameSync(path, join(dir, `audit.log.${oldest + 1}.gz`));
      return nodeFileDriver.openRead(path);
    },
  };
  const r = await verify(dir, { publicKey, driver });
  assert.equal(opens, 2);
  assert.deepEqual(r.problems, []);
  assert.ok(r.files.some((f) => f.file === `audit.log.${oldest + 1}.gz` && f.lines > 0));
});

test('a stream\'s files and checkpoints renamed into audit.log\'s place are caught: each record names its stream', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  for (const n of readdirSync(dir).filter((n) => n.startsWith('audit.log'))) rmSync(join(dir, n));
  for (const n of readdirSync(dir).filter((n) => n.startsWith('trades.log'))) renameSync(join(dir, n), join(dir, 'audit' + n.slice('trades'.length)));
  renameSync(join(dir, CHAIN_DIR, 'trades.log.chain'), join(dir, CHAIN_DIR, 'audit.log.chain'));
  const r = await verify(dir, { publicKey });
  assert.equal(r.ok, false);
  const p = r.problems.find((p) => p.file === `${CHAIN_DIR}/audit.log.chain`);
  assert.equal(p?.kind, 'modified', JSON.stringify(kinds(r)));
  assert.match(p.message, /stream "trades\.log", not audit\.log/);
});

test('the views without audit.log (deleted with its checkpoints) fail, with or without a key', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  for (const n of readdirSync(dir).filter((n) => n.startsWith('audit.log'))) rmSync(join(dir, n));
  rmSync(join(dir, CHAIN_DIR, 'audit.log.chain'));
  for (const r of [await verify(dir, { publicKey }), await verify(dir)]) {
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r), ['missing_file audit.log']);
  }
  // Its checkpoints alone deleted too: views only, nothing chained left, still not the audit log.
  rmSync(join(dir, CHAIN_DIR), { recursive: true });
  assert.ok(kinds(await verify(dir)).includes('missing_file audit.log'));
});

test('unchained files holding audit events beside a chained audit log are foreign; app logs\' text and app_log lines are not', async (t) => {
  const dir = tempDir(t);
  await makeLogDir(dir);
  const events = text(join(dir, 'trades.log')).replace(/,"hash":"[0-9a-f]{64}"\}/g, '}');
  const n = events.trimEnd().split('\n').length;
  // Names a reader might take for an audit file, and names it would take for an app log.
  const names = ['a.log', 'bot.log', 'AUDIT.log', 'Trades.log', 'audit.log.log', '\u0430udit.log'];
  for (const name of names) writeFileSync(join(dir, name), events);
  writeFileSync(join(dir, 'app.log'), '2026-01-01 00:00:00,000 | bot | INFO | started\n2026-01-01 00:00:01,000 | bot | INFO | {"event_type":"x"} in a message\n');
  writeFileSync(join(dir, 'json-app.log'), JSON.stringify({ timestamp: '2026-01-01T00:00:00.000Z', level: 'INFO', event_type: 'app_log', message: 'started' }) + '\n');
  for (const r of [await verify(dir, { publicKey }), await verify(dir)]) {
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r).sort(), names.map((n) => `foreign_file ${n}`).sort());
    assert.match(r.problems[0]!.message, new RegExp(`holds ${n} audit events outside audit\\.log`));
    assert.deepEqual(r.files.filter((f) => f.file.startsWith('app.log') || f.file.startsWith('json-app.log')).map((f) => [f.file, f.ok, f.chained]), [['app.log', true, false], ['json-app.log', true, false]]);
  }
  // Without a chained audit family, a file of JSON events is what it was: not verified.
  const plain = tempDir(t);
  writeFileSync(join(plain, 'bot.log'), events);
  assert.deepEqual((await verify(plain)).problems, []);
});
