import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLogger } from '@daybook/core';
import { daybook } from '../test/run.js';

// The real bin, as a user runs it.

const root = mkdtempSync(join(tmpdir(), 'daybook-cli-verify-'));
after(() => rmSync(root, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keyFile = join(root, 'key.pub');
writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
const dir = join(root, 'logs');

describe('daybook verify', () => {
  it('exit 0 and ok on a clean signed directory; --json has the contract shape', async () => {
    const audit = new AuditLogger({ logDir: dir, consoleLevel: false, signingKey: privateKey, maxFileSize: 8192, env: {} });
    for (let i = 0; i < 200; i++) void audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: i, price: 1 });
    await audit.close();
    const text = daybook('verify', dir, '--public-key', keyFile);
    assert.equal(text.status, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^ok: \d+ files/m);
    const json = daybook('verify', dir, '--json');
    assert.equal(json.status, 0);
    const r = JSON.parse(json.stdout) as { ok: boolean; files: { file: string; lines: number; ok: boolean }[]; problems: unknown[] };
    assert.equal(r.ok, true);
    assert.deepEqual(r.problems, []);
    assert.ok(r.files.some((f) => /^audit\.log\.\d+\.gz$/.test(f.file) && f.ok && f.lines > 0));
  });

  it('exit 1 naming file, line and kind when a line was altered; a torn tail alone is exit 0', () => {
    const torn = join(root, 'torn');
    spawnSync('cp', ['-r', dir, torn]);
    appendFileSync(join(torn, 'audit.log'), '{"timestamp":"2026');
    const t = daybook('verify', torn, '--json');
    assert.equal(t.status, 0);
    assert.equal((JSON.parse(t.stdout) as { problems: { kind: string }[] }).problems[0]?.kind, 'torn_tail');
    const path = join(dir, 'trades.log');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"quantity":199', '"quantity":1990'));
    const r = daybook('verify', dir, '--json');
    assert.equal(r.status, 1);
    const p = (JSON.parse(r.stdout) as { problems: { file: string; line: number; kind: string }[] }).problems[0]!;
    assert.equal(p.file, 'trades.log');
    assert.equal(p.kind, 'modified');
    assert.ok(p.line > 0);
  });

  it('a directory without log files (a wrong path) is exit 1, and says nothing was verified', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const r = daybook('verify', empty);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /NOTHING VERIFIED: no log files in/);
  });

  it('lists the lines past the last checkpoint; counts as verified only the log files it checked', async () => {
    const d = join(root, 'open');
    const audit = new AuditLogger({ logDir: d, consoleLevel: false, signingKey: privateKey, env: {}, checkpointMs: 3_600_000 });
    await audit.logTradeEntry({ symbol: 'AAPL', side: 'buy', quantity: 1, price: 1 });
    const copy = join(root, 'open-copy');
    spawnSync('cp', ['-r', d, copy]);
    await audit.close();
    const r = daybook('verify', copy, '--public-key', keyFile);
    assert.equal(r.status, 0, r.stdout);
    // Two lines written within one millisecond share their time: "at T" rather than "T1 to T2".
    assert.match(r.stdout, /^unvouched +audit\.log {2}2 lines after the last checkpoint, (at \d{4}-\S+|\d{4}-\S+ to \d{4}-\S+):/m);
    // The five log files (errors.log and performance.log empty), not their checkpoint files.
    assert.match(r.stdout, /^ok: 5 files verified, 4 lines/m);
  });

  it('exit 2 on bad usage', () => {
    assert.equal(daybook('verify').status, 2);
    assert.equal(daybook('verify', dir, '--public-key', join(root, 'nope.pem')).status, 2);
    assert.equal(daybook('verify', '--help').status, 0);
  });
});
