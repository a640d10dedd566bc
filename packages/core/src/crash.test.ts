// The crash test: a child logs `sync` trades and reports each acknowledgement; it is killed
// with SIGKILL at a random moment, 50 times over the same directory. Every acknowledged
// event must be on disk, the torn tail repaired by the next start, and verify must pass.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { tempDir } from './test/helpers.js';
import { exited, killAfterReady, startChild, streamLines } from './test/storage.js';
import { verify } from './verify.js';
import { AuditLogger } from './audit-logger.js';

test('SIGKILL at random moments, 50 times: no acknowledged trade is lost, the chain always verifies', async (t) => {
  const dir = tempDir(t);
  const acked = new Set<string>();
  let torn = 0;
  for (let round = 0; round < 50; round++) {
    const child = startChild('crash', dir);
    const result = exited(child);
    await killAfterReady(child, 'SIGKILL', 10 + Math.random() * 190, (l) => acked.add(l));
    const r = await result;
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const v = await verify(dir);
    assert.equal(v.ok, true, `round ${round}: ${JSON.stringify(v.problems)}`);
    torn += v.problems.filter((p) => p.kind === 'torn_tail').length;
  }
  // The next start repairs a torn tail: after one clean open and close nothing is left to report.
  await new AuditLogger({ logDir: dir, consoleLevel: false, backupCount: 1000, env: {} }).close();
  assert.deepEqual((await verify(dir)).problems, []);
  const onDisk = new Set<string>();
  for (const l of streamLines(dir, 'audit.log')) {
    const e = JSON.parse(l) as { order_id?: string };
    if (e.order_id !== undefined) onDisk.add(e.order_id);
  }
  const missing = [...acked].filter((id) => !onDisk.has(id));
  assert.deepEqual(missing, []);
  assert.ok(acked.size > 100, `acknowledged ${acked.size}`);
  t.diagnostic(`acknowledged ids ${acked.size}, torn tails seen ${torn}, files ${readdirSync(dir).length}`);
});
