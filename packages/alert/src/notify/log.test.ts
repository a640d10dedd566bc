import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_RETENTION_MS, MAX_LOG_ENTRIES, MAX_SENT_RECORDS, NotificationLog } from './log.js';
import { T0 } from '../test/notify-kit.js';

const none = new Set<string>();

test('the notification log stays bounded: resolved groups expire, and past the cap those owing nothing go first', () => {
  const log = new NotificationLog();
  log.record('ops', 'old-resolved', { firing: none, resolved: new Set(['a']), at: T0 });
  log.record('ops', 'old-firing', { firing: new Set(['b']), resolved: none, at: T0 });
  log.prune(T0 + LOG_RETENTION_MS + 1);
  assert.deepEqual([...log.entries.values()].map((e) => e.groupKey), ['old-firing'], 'a group still firing is owed its resolution: kept');

  for (let i = 0; i < MAX_LOG_ENTRIES; i++) log.record('ops', `g${i}`, { firing: i % 2 === 0 ? new Set(['x']) : none, resolved: none, at: T0 + i });
  log.prune(T0 + MAX_LOG_ENTRIES);
  assert.equal(log.entries.size, MAX_LOG_ENTRIES);
  assert.ok(log.entries.has('ops\u0000old-firing'), 'the oldest entry still owing a resolution outlives newer ones owing nothing');
  assert.ok(!log.entries.has('ops\u0000g1'), 'the oldest owing nothing went first');

  for (let i = 0; i < MAX_SENT_RECORDS + 10; i++) log.record('ops', 'g', { firing: none, resolved: none, at: T0 }, { at: '', receiver: 'ops', groupKey: 'g', status: 'firing', alerts: [String(i)] });
  assert.equal(log.sent.length, MAX_SENT_RECORDS);
  assert.deepEqual(log.sent.at(-1)!.alerts, [String(MAX_SENT_RECORDS + 9)]);
});
