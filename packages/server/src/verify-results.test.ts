// The server keeps core's verify cache between checks: it goes into the short-lived worker and
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
import { VerifyResults } from './verify-results.js';

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

const body = (b: Buffer): Record<string, unknown> => {
  const { checked_at: _at, ...rest } = JSON.parse(b.toString()) as Record<string, unknown>;
  return rest;
};

it('the cache goes into the worker and comes back filled: the next check takes unchanged backups from it, and a flipped byte is still found', async () => {
  const dir = await rotatedDir();
  const cache = new VerifyResults([dir], pem, 0);
  try {
    const first = body(await cache.get());
    assert.equal(first.ok, true);
    assert.ok(backups(dir).length > 2);
    writeFileSync(join(dir, 'unrelated.txt'), 'x'); // a change, so the answer is computed again
    assert.deepEqual(body(await cache.get()), first);
    assert.deepEqual([...(cache.backupsOf(dir)?.reused ?? [])].sort(), backups(dir));
    const name = backups(dir)[1]!;
    flipKeepingMtime(join(dir, name));
    const third = body(await cache.get());
    assert.deepEqual(third, { ...(await verify(dir, { publicKey: pem })) });
    assert.equal(third.ok, false);
    assert.ok(!(cache.backupsOf(dir)?.reused ?? []).includes(name));
  } finally {
    await cache.close();
  }
});

it('/audit/verify reports damage to a backup it has checked before, with its mtime put back', async () => {
  const dir = await rotatedDir();
  const app = await buildApp({ logDir: dir, docs: false, verifyEveryMs: 0, publicKey: pem });
  try {
    const clean = (await app.inject('/audit/verify')).json();
    assert.equal(clean.ok, true);
    flipKeepingMtime(join(dir, backups(dir)[0]!));
    const { checked_at: _at, ...damaged } = (await app.inject('/audit/verify')).json() as Record<string, unknown>;
    assert.deepEqual(damaged, { ...(await verify(dir, { publicKey: pem })) });
    assert.equal(damaged.ok, false);
  } finally {
    await app.close();
  }
});
