import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const MODULE = new URL('./encode.js', import.meta.url).href;

// A library user who calls Shipper.once() and never close() must still see the process end:
// the encoder threads, once idle, hold nothing open. (Adding a 'message' listener after
// unref() referenced the worker's port again: a process shipping once hung for ever.)
test('idle encoder threads do not keep the process alive', () => {
  const script = `
    import { EncoderPool, LineChunkBuilder } from ${JSON.stringify(MODULE)};
    const pool = new EncoderPool(2, 0);
    pool.start();
    const b = new LineChunkBuilder();
    b.add(new TextEncoder().encode('2026-09-15 12:00:00,000 | app | INFO | hello'), 0);
    const e = await pool.encode(b.take(), { bot: 'b', host: 'h', file: 'app.log', fileId: 'x'.repeat(64), foreign: true }, true);
    console.log(JSON.stringify({ rows: e.rows, appLines: e.appLines }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, 'the process ended by itself (not killed by the timeout)');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { rows: 1, appLines: 1 }, 'an app text line of an app log is shipped as one app_log row');
});
