// The server keeps verify's cache between checks: it goes into the short-lived worker and
// comes back with the result. A check with it must report what a check without it reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLogger, verify } from '@daybook/core';
import { buildApp } from './app.js';
import { tempDir } from './test/helpers.js';
import { verifyOffThread } from './verify-thread.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

async function rotatedDir(): Promise<string> {
  const dir = tempDir();
  const audit = new AuditLogger({ logDir: dir, consoleLevel: false, signingKey: privateKey, maxFileSize: 8 * 1024, backupCount: 50, checkpointLines: 20, env: {} });
  for (let i = 0; i < 200; i++) void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: i, orderId: `o${i}` });
  await audit.close();
  // Files changed within the last second are not remembered by the cache.
  await sleep(1100);
  return dir;
}

const backups = (dir: string): string[] => readdirSync(dir).filter((n) => /\.log\.\d+(\.gz)?$/.test(n)).sort();

/** Flips a byte of a file and puts its mtime back (touch -r keeps the nanoseconds). */
function flipKeepingMtime(path: string): void {
  execFileSync('touch', ['-r', path, path + '.ref']);
  const buf = readFileSync(path);
  buf[buf.length >> 1]! ^= 0x10;
  writeFileSync(path, buf);
  execFileSync('touch', ['-r', path + '.ref', path]);
  unlinkSync(path + '.ref');
}

it('the cache goes into the worker and comes back filled: the next check takes unchanged backups from it', async () => {
  const dir = await rotatedDir();
  const first = await verifyOffThread(dir, pem, {});
  assert.equal(first.result.ok, true);
  assert.ok(backups(dir).length > 2);
  const second = await verifyOffThread(dir, pem, first.cache);
  assert.deepEqual(second.result, first.result);
  assert.deepEqual([...(second.cache.reused ?? [])].sort(), backups(dir));
  const name = backups(dir)[1]!;
  flipKeepingMtime(join(dir, name));
  const third = await verifyOffThread(dir, pem, second.cache);
  assert.deepEqual(third.result, await verify(dir, { publicKey: pem }));
  assert.equal(third.result.ok, false);
  assert.ok(!(third.cache.reused ?? []).includes(name));
});

it('/audit/verify reports damage to a backup it has checked before, with its mtime put back', async () => {
  const dir = await rotatedDir();
  const app = await buildApp({ logDir: dir, docs: false, verifyEveryMs: 0, publicKey: pem });
  try {
    const clean = (await app.inject('/audit/verify')).json();
    assert.equal(clean.ok, true);
    flipKeepingMtime(join(dir, backups(dir)[0]!));
    // The result is cached until the directory monitor sees the change.
    let damaged = (await app.inject('/audit/verify')).json();
    for (let i = 0; i < 100 && damaged.ok === true; i++) {
      await sleep(50);
      damaged = (await app.inject('/audit/verify')).json();
    }
    const { checked_at: _at, ...body } = damaged as Record<string, unknown>;
    assert.deepEqual(body, { ...(await verify(dir, { publicKey: pem })) });
    assert.equal(body.ok, false);
  } finally {
    await app.close();
  }
});
