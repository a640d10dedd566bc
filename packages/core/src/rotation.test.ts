// Rotation under load: 1,000,000 events through rotation at 1 MB with compression and the
// chain on. Every event must be found exactly once, in order, and the chain must verify.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSink } from './file-sink.js';
import { verify } from './verify.js';
import { tempDir } from './test/helpers.js';
import { streamLines } from './test/storage.js';

const EVENTS = Number(process.env.DAYBOOK_ROTATION_EVENTS ?? 1_000_000);

test(`${EVENTS} events through 1 MB rotation with compression: each exactly once, in order, chain valid`, async (t) => {
  const dir = tempDir(t);
  const started = Date.now();
  // close() returns after closeTimeoutMs (30 s by default) with lines still queued, and the
  // writer goes on rotating behind it: on a loaded machine the write-out of 1,000,000 lines
  // took longer, the listing below then found backups not yet compressed, and the removal of
  // the directory made the still running rotation fail (rename ENOENT). This test checks what
  // the writer leaves once it is done, so its close waits for all of it.
  const sink = new FileSink({ path: join(dir, 'audit.log'), maxFileSize: 1024 * 1024, backupCount: 100_000, compress: true, closeTimeoutMs: 600_000 });
  const pad = 'p'.repeat(120);
  for (let i = 0; i < EVENTS; i++) {
    void sink.write(`{"timestamp":"2026-11-22T20:00:00.000Z","level":"INFO","event_type":"trade_entry","seq":${i},"symbol":"AAPL","metadata":{"pad":"${pad}"}}`, 'none', false);
    // The producer yields now and then, as a bot between ticks does, so the writer keeps up.
    if (i % 20_000 === 19_999) await new Promise((r) => setImmediate(r));
  }
  await sink.close();
  const written = Date.now();
  const names = readdirSync(dir);
  const backups = names.filter((n) => /^audit\.log\.\d+\.gz$/.test(n));
  assert.equal(names.filter((n) => /^audit\.log\.\d+$/.test(n) || n.endsWith('.tmp')).length, 0, 'every closed file compressed');
  assert.ok(backups.length > 100, `${backups.length} backups`);
  const lines = streamLines(dir, 'audit.log');
  assert.equal(lines.length, EVENTS);
  for (let i = 0; i < EVENTS; i++) {
    const seq = Number(/"seq":(\d+)/.exec(lines[i]!)![1]);
    if (seq !== i) assert.fail(`line ${i} holds event ${seq}`);
  }
  const v = await verify(dir);
  assert.deepEqual(v.problems, []);
  t.diagnostic(`write+rotate+compress ${((written - started) / 1000).toFixed(1)} s, ${backups.length} backups, read back + verify ${((Date.now() - written) / 1000).toFixed(1)} s`);
});
