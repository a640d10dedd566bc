import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger, verify } from '@daybook/core';
import { loggerAudit } from './audit.js';
import { AlertError } from './errors.js';
import { Evaluator } from './evaluator.js';
import { parseRules } from './rules.js';
import { FileStateStore, stateDirOf } from './state.js';
import { directoryTarget } from './targets.js';
import { dispatcherFor } from './dispatch.js';
import { NO_AUDIT } from './audit.js';
import { append, at, errorEv, ev, receiver, tempDir } from './test/helpers.js';

const T0 = '2026-09-15T12:00:00.000Z';
const MIN = 60_000;
const RULES = parseRules({ rules: [{ name: 'HighErrorCount', kind: 'error_count', window: '10m', threshold: 1, for: '2m', annotations: { summary: '{{ $value }} errors' } }] });
const withReceiver = (url: string) => ({ ...RULES, receivers: parseRules({ rules: [], receivers: [{ name: 'ops', webhook: { url } }] }).receivers });

test('a restart between firing and resolution: exactly one firing and one resolved notification', async (t) => {
  const dir = tempDir();
  const hook = await receiver();
  t.after(hook.close);
  append(dir, [ev(T0), errorEv(T0), errorEv(T0)]);
  const start = () => {
    const rules = withReceiver(hook.url);
    // The dispatcher of `daybook alert --once`, its notification log beside the state.
    const dispatcher = dispatcherFor(rules, NO_AUDIT, { stateDir: stateDirOf(dir), once: true });
    return { dispatcher, evaluator: new Evaluator({ rules, targets: () => [directoryTarget(dir, { persist: false })], dispatcher, state: new FileStateStore(stateDirOf(dir)) }) };
  };
  let p = start();
  await p.evaluator.evaluate(at(T0));
  await p.evaluator.evaluate(at(T0) + MIN);
  assert.equal(p.evaluator.alerts()[0]!.state, 'pending');
  // Restart while pending: the pending time is not lost.
  await p.dispatcher.flush();
  await p.dispatcher.close();
  p = start();
  assert.equal((await p.evaluator.evaluate(at(T0) + 2 * MIN)).alerts[0]!.state, 'firing', 'pending since T0, for 2m');
  await p.evaluator.evaluate(at(T0) + 3 * MIN);
  await p.dispatcher.flush();
  await p.dispatcher.close();
  assert.ok(existsSync(join(dir, '.daybook', 'alerts', 'state.json')));
  // Restart while firing: no second firing; the resolution is still sent.
  p = start();
  assert.equal(p.evaluator.alerts()[0]!.state, 'firing', 'restored');
  await p.evaluator.evaluate(at(T0) + 4 * MIN);
  await p.evaluator.evaluate(at(T0) + 11 * MIN);
  await p.evaluator.evaluate(at(T0) + 12 * MIN);
  await p.dispatcher.flush();
  await p.dispatcher.close();
  p = start();
  await p.evaluator.evaluate(at(T0) + 13 * MIN);
  await p.dispatcher.flush();
  await p.dispatcher.close();
  const got = hook.bodies as { status: string; alerts: { labels: { alertname: string }; startsAt: string; endsAt: string }[] }[];
  assert.deepEqual(got.map((b) => [b.status, b.alerts[0]!.labels.alertname, b.alerts[0]!.startsAt, b.alerts[0]!.endsAt]), [
    // Go's time format, as Alertmanager writes it.
    ['firing', 'HighErrorCount', '2026-09-15T12:00:00Z', '0001-01-01T00:00:00Z'],
    ['resolved', 'HighErrorCount', '2026-09-15T12:00:00Z', '2026-09-15T12:11:00Z'],
  ]);
});

test('an evaluation at or before the last one is refused: no transition is handed over twice', async () => {
  const dir = tempDir();
  append(dir, [errorEv(T0), errorEv(T0)]);
  const store = new FileStateStore(stateDirOf(dir));
  const make = () => new Evaluator({ rules: RULES, targets: () => [directoryTarget(dir, { persist: false })], state: store });
  await make().evaluate(at(T0));
  for (const t of [at(T0), at(T0) - MIN]) {
    await assert.rejects(make().evaluate(t), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_CLOCK' && e.message.includes(T0));
  }
  assert.equal((await make().evaluate(at(T0) + 1)).at, new Date(at(T0) + 1).toISOString());
});

test('a state the disk refuses to save tells nothing, and the next evaluation tells the transition once', async () => {
  const dir = tempDir();
  append(dir, [ev(T0)]);
  const store = new FileStateStore(stateDirOf(dir));
  const fired: string[] = [];
  const handed: string[][] = [];
  const evaluator = new Evaluator({
    rules: parseRules({ rules: [{ name: 'HighErrorCount', kind: 'error_count', window: '10m', threshold: 1 }] }),
    targets: () => [directoryTarget(dir, { persist: false })],
    audit: { ...NO_AUDIT, firing: (a) => void fired.push(a.name) },
    dispatcher: { update: (alerts) => void handed.push(alerts.map((a) => a.state)), flush: async () => {}, close: async () => {} },
    state: store,
  });
  await evaluator.evaluate(at(T0));
  append(dir, [errorEv(T0), errorEv(T0)]);
  // A real write error: the temp file's name is taken by a directory.
  const blocker = `${store.file}.${process.pid}.tmp`;
  mkdirSync(blocker);
  await assert.rejects(evaluator.evaluate(at(T0) + MIN), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_STATE');
  assert.deepEqual([fired, handed], [[], [[]]], 'nothing told of an evaluation that was not saved');
  assert.equal(evaluator.lastEvaluation(), T0, 'back to the saved state');
  rmSync(blocker, { recursive: true });
  const e = await evaluator.evaluate(at(T0) + 2 * MIN);
  assert.deepEqual(e.transitions.map((t) => [t.from, t.to]), [['inactive', 'firing']]);
  assert.deepEqual([fired, handed.at(-1)], [['HighErrorCount'], ['firing']]);
});

test('a damaged state file stops start-up rather than forgetting what fires', () => {
  const dir = tempDir();
  const store = new FileStateStore(dir);
  assert.equal(store.load(), undefined, 'no file yet: nothing active');
  writeFileSync(join(dir, 'state.json'), '{"version":1,"alerts":[');
  assert.throws(() => new Evaluator({ rules: RULES, targets: () => [], state: store }), (e: AlertError) => e.code === 'DAYBOOK_E_ALERT_STATE' && e.message.includes('state.json'));
});

test('the audit trail: firing, resolution, notification and silence are events of audit.log, and verify passes', async () => {
  const logs = tempDir();
  const trail = tempDir();
  append(logs, [errorEv(T0), errorEv(T0)]);
  const logger = new AuditLogger({ logDir: trail, consoleLevel: false });
  const audit = loggerAudit(logger);
  const evaluator = new Evaluator({ rules: parseRules({ rules: [{ name: 'HighErrorCount', kind: 'error_count', window: '10m', threshold: 1 }] }), targets: () => [directoryTarget(logs, { persist: false })], audit });
  await evaluator.evaluate(at(T0));
  audit.notification({ receiver: 'ops', groupKey: '{}:{}', status: 'firing', alerts: ['HighErrorCount'], attempt: 1, ok: false, error: 'HTTP 500' });
  audit.notification({ receiver: 'ops', groupKey: '{}:{}', status: 'firing', alerts: ['HighErrorCount'], attempt: 2, ok: true });
  audit.silence({ id: 's1', matchers: { alertname: 'HighErrorCount' }, startsAt: T0, endsAt: '2026-09-15T14:00:00.000Z', createdBy: 'ana', comment: 'broker maintenance' }, 'added');
  await evaluator.evaluate(at(T0) + 11 * MIN);
  await logger.close();
  const events = readFileSync(join(trail, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l.replace(/\t.*$/, '')) as Record<string, any>)
    .filter((e) => String(e.event_type).startsWith('alert_'));
  assert.deepEqual(events.map((e) => [e.event_type, e.level, e.component]), [
    ['alert_firing', 'WARNING', 'alert'],
    ['alert_notification', 'WARNING', 'alert'],
    ['alert_notification', 'INFO', 'alert'],
    ['alert_silence', 'INFO', 'alert'],
    ['alert_resolved', 'INFO', 'alert'],
  ]);
  assert.deepEqual([events[0]!.metadata.alertname, events[0]!.metadata.value, events[0]!.metadata.threshold], ['HighErrorCount', 2, 1]);
  assert.deepEqual([events[1]!.metadata.receiver, events[1]!.metadata.attempt, events[1]!.metadata.error], ['ops', 1, 'HTTP 500']);
  assert.equal(events[3]!.metadata.created_by, 'ana');
  assert.equal(events[4]!.metadata.resolved_at, new Date(at(T0) + 11 * MIN).toISOString());
  const v = await verify(trail);
  assert.equal(v.ok, true, JSON.stringify(v.problems));
});
