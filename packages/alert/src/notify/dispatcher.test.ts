import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { createDispatcher, type DispatcherOptions, type NotifyDispatcher } from './dispatcher.js';
import { SilenceStore } from '../silences.js';
import { tempDir } from '../test/helpers.js';
import { alert, FakeClock, noSilences, receiver, recordingAudit, ROUTE, startReceiver, T0, type TestReceiver } from '../test/notify-kit.js';

const MIN = 60_000;
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function hook(behave?: Parameters<typeof startReceiver>[0]): Promise<TestReceiver> {
  const r = await startReceiver(behave);
  cleanup.push(() => r.close());
  return r;
}

function setup(o: Partial<DispatcherOptions> & Pick<DispatcherOptions, 'receivers'>): { d: NotifyDispatcher; clock: FakeClock; audit: ReturnType<typeof recordingAudit>; warnings: string[]; at: (ms: number) => Promise<void> } {
  const clock = (o.clock as FakeClock | undefined) ?? new FakeClock();
  const audit = recordingAudit();
  const warnings: string[] = [];
  const d = createDispatcher({ route: ROUTE, silences: noSilences, audit, clock, warn: (l) => void warnings.push(l), backoffMs: 1000, ...o });
  cleanup.push(() => d.close());
  // Moves the clock to T0 + ms.
  const at = (ms: number) => clock.advance(T0 + ms - clock.now(), () => d.idle());
  return { d, clock, audit, warnings, at };
}

test('a new group waits group_wait, then tells every alert that joined meanwhile in one notification', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url)] });
  d.update([alert('HighErrorCount', { bot: 'b2' }, { activeAt: T0 })], T0);
  await at(10_000);
  d.update([alert('HighErrorCount', { bot: 'b2' }, { activeAt: T0 }), alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 + 10_000 })], T0 + 10_000);
  await at(29_999);
  assert.equal(r.requests.length, 0, 'nothing before group_wait');
  await at(30_000);
  assert.equal(r.requests.length, 1);
  const body = r.requests[0]!.body;
  assert.equal(body.status, 'firing');
  assert.deepEqual(body.alerts.map((a: any) => a.labels.bot), ['a1', 'b2']);
  assert.equal(body.groupKey, '{}:{alertname="HighErrorCount"}');
});

test('group_wait 0s: a new group is told by the update that brings it, without the clock moving', async () => {
  const r = await hook();
  const { d } = setup({ receivers: [receiver(r.url)], route: { ...ROUTE, groupWait: 0 } });
  d.update([alert('HighErrorCount', { bot: 'b2' }, { activeAt: T0 })], T0);
  await d.idle();
  assert.deepEqual(r.requests.map((q) => [q.body.status, q.body.alerts.map((a: any) => a.labels.bot)]), [['firing', ['b2']]]);
});

test('a changed group is told again only at group_interval; an unchanged one only after repeat_interval', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url)] });
  const a1 = alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 });
  const b2 = alert('HighErrorCount', { bot: 'b2' }, { activeAt: T0 + MIN });
  d.update([a1], T0);
  await at(30_000);
  assert.equal(r.requests.length, 1, 'first notification after group_wait');
  d.update([a1, b2], T0 + MIN);
  await at(30_000 + 5 * MIN - 1);
  assert.equal(r.requests.length, 1, 'the new alert waits for group_interval');
  await at(30_000 + 5 * MIN);
  assert.equal(r.requests.length, 2);
  assert.equal(r.requests[1]!.body.alerts.length, 2);
  // Unchanged: every group_interval flush finds nothing new until repeat_interval (4 h) has passed.
  for (let t = 30_000 + 5 * MIN; t < 30_000 + 5 * MIN + 4 * 3600_000; t += 5 * MIN) {
    d.update([a1, b2], T0 + t);
    await at(t + 5 * MIN - 1);
  }
  assert.equal(r.requests.length, 2, 'no repeat within repeat_interval');
  await at(30_000 + 5 * MIN + 4 * 3600_000 + 5 * MIN);
  assert.equal(r.requests.length, 3, 'repeated after repeat_interval');
  assert.deepEqual(r.requests[2]!.body.alerts.map((a: any) => a.status), ['firing', 'firing']);
});

test('a resolution is told (sendResolved) with its end, then the group is forgotten', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url)] });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await at(30_000);
  // An evaluator may clear activeAt once the alert is inactive: the start told with the firing stays.
  d.update([{ ...alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + 2 * MIN }), activeAt: null }], T0 + 2 * MIN);
  await at(30_000 + 5 * MIN);
  assert.equal(r.requests.length, 2);
  const resolved = r.requests[1]!.body;
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.alerts[0].status, 'resolved');
  assert.equal(resolved.alerts[0].startsAt, '2026-09-15T12:00:00Z');
  assert.equal(resolved.alerts[0].endsAt, '2026-09-15T12:02:00Z');
  d.update([], T0 + 11 * MIN);
  await at(24 * 3600_000);
  assert.equal(r.requests.length, 2, 'nothing more once resolved');
  // Fires again later: a new notification (new group, group_wait).
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 + 24 * 3600_000 })], T0 + 24 * 3600_000);
  await at(24 * 3600_000 + 30_000);
  assert.equal(r.requests.length, 3);
  assert.equal(r.requests[2]!.body.status, 'firing');
});

test('an alert missing from an update stopped firing: it is told as resolved at that update', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url)] });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await at(30_000);
  d.update([], T0 + MIN);
  await at(30_000 + 5 * MIN);
  assert.equal(r.requests.length, 2);
  assert.equal(r.requests[1]!.body.alerts[0].endsAt, '2026-09-15T12:01:00Z');
});

test('without sendResolved a resolution is not sent, and a new firing of the group is told again', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url, { sendResolved: false })] });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await at(30_000);
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + MIN })], T0 + MIN);
  await at(30_000 + 5 * MIN);
  assert.equal(r.requests.length, 1, 'no resolved notification');
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 + 10 * MIN })], T0 + 10 * MIN);
  await at(10 * MIN + 30_000);
  assert.equal(r.requests.length, 2, 'fired again: told again, not taken for a repeat');
});

test('groups follow group_by; a rule with receivers notifies only those', async () => {
  const a = await hook();
  const b = await hook();
  const { d, at } = setup({ receivers: [receiver(a.url, { name: 'a' }), receiver(b.url, { name: 'b' })], rules: [{ name: 'SlowBroker', receivers: ['b'] }] });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 }), alert('SlowBroker', { bot: 'a1' }, { activeAt: T0 })], T0);
  await at(30_000);
  assert.deepEqual(a.requests.map((x) => x.body.groupKey), ['{}:{alertname="HighErrorCount"}']);
  assert.deepEqual(b.requests.map((x) => x.body.groupKey).sort(), ['{}:{alertname="HighErrorCount"}', '{}:{alertname="SlowBroker"}']);
  assert.equal(a.requests[0]!.body.receiver, 'a');
});

test('a silenced alert is not told while the silence lasts; told once it expired', async () => {
  const r = await hook();
  const dir = tempDir();
  const clock = new FakeClock();
  const store = new SilenceStore(dir);
  const silence = await store.add({ matchers: { alertname: 'HighErrorCount', bot: 'a1' }, duration: 20 * MIN, createdBy: 'test', comment: 'broker maintenance' }, T0);
  const { d, at } = setup({ receivers: [receiver(r.url, { maxPerMinute: 1 })], silences: store, clock });
  const a1 = alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 });
  const other = alert('SlowBroker', { bot: 'a1' }, { activeAt: T0 });
  d.update([a1, other], T0);
  await at(30_000);
  // The silenced group sent nothing, so it took nothing of the 1-a-minute allowance: the other group went at once.
  assert.deepEqual(r.requests.map((x) => x.body.groupLabels.alertname), ['SlowBroker']);
  for (let t = 5 * MIN; t < 20 * MIN; t += 5 * MIN) {
    d.update([a1, other], T0 + t);
    await at(t + 30_000);
  }
  assert.equal(r.requests.length, 1, 'silenced for 20 minutes');
  assert.equal(silence.endsAt, '2026-09-15T12:20:00.000Z');
  d.update([a1, other], T0 + 20 * MIN);
  await at(30_000 + 20 * MIN);
  assert.equal(r.requests.length, 2);
  assert.equal(r.requests[1]!.body.groupLabels.alertname, 'HighErrorCount');
});

test('an expired silence (daybook alert silence expire) lifts at once', async () => {
  const r = await hook();
  const dir = tempDir();
  const store = new SilenceStore(dir);
  const s = await store.add({ matchers: { alertname: 'HighErrorCount' }, duration: 3600_000, createdBy: 'test', comment: '' }, T0);
  const { d, at } = setup({ receivers: [receiver(r.url)], silences: new SilenceStore(dir) });
  const a1 = alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 });
  d.update([a1], T0);
  await at(30_000);
  assert.equal(r.requests.length, 0);
  // Another process (the CLI) expires it: the running dispatcher reads the file again.
  await store.expire(s.id, T0 + MIN);
  d.update([a1], T0 + MIN);
  await at(30_000 + 5 * MIN);
  assert.equal(r.requests.length, 1);
});

test('the rate limit holds a receiver to maxPerMinute; the rest wait their turn', async () => {
  const r = await hook();
  const { d, at } = setup({ receivers: [receiver(r.url, { maxPerMinute: 2 })] });
  d.update(['A', 'B', 'C', 'D', 'E'].map((n) => alert(n, {}, { activeAt: T0 })), T0);
  await at(30_000);
  assert.equal(r.requests.length, 2);
  await at(30_000 + MIN - 1);
  assert.equal(r.requests.length, 2, 'not before a minute has passed');
  await at(30_000 + MIN);
  assert.equal(r.requests.length, 4);
  await at(30_000 + 2 * MIN);
  assert.deepEqual(r.requests.map((x) => x.body.groupLabels.alertname), ['A', 'B', 'C', 'D', 'E']);
});

test('a receiver answering 500 is retried with backoff; success on the third attempt; each attempt audited', async () => {
  const r = await hook((n) => (n < 2 ? 500 : 'ok'));
  const { d, at, audit, warnings } = setup({ receivers: [receiver(r.url, { maxAttempts: 3 })] });
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0);
  await at(30_000);
  assert.equal(r.requests.length, 1, 'the second attempt waits its backoff');
  await at(30_000 + 1000);
  assert.equal(r.requests.length, 2);
  await at(30_000 + 1000 + 1999);
  assert.equal(r.requests.length, 2, 'the backoff doubled');
  await at(30_000 + 3000);
  assert.equal(r.requests.length, 3);
  assert.deepEqual(audit.records.notifications.map((n) => [n.attempt, n.ok, n.error]), [[1, false, 'HTTP 500 "status 500"'], [2, false, 'HTTP 500 "status 500"'], [3, true, undefined]]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /^daybook alert: receiver ops: firing notification for \{\}:\{alertname="HighErrorCount"\}, attempt 1\/3 failed: HTTP 500 "status 500"; retrying in 1000 ms\. .* \[DAYBOOK_E_ALERT_NOTIFY\]\n$/);
  assert.ok(!warnings.some((w) => w.includes('    at ')), 'no stack');
  // Told: not repeated at the next group_interval.
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0 + 6 * MIN);
  await at(40 * MIN);
  assert.equal(r.requests.length, 3);
});

test('a receiver that keeps failing is given up after maxAttempts, and tried again at the next group_interval', async () => {
  const r = await hook(() => 503);
  const { d, at, audit, warnings } = setup({ receivers: [receiver(r.url, { maxAttempts: 2 })] });
  const a = alert('HighErrorCount', {}, { activeAt: T0 });
  d.update([a], T0);
  await at(MIN);
  assert.equal(r.requests.length, 2);
  assert.match(warnings[1]!, /attempt 2\/2 failed: HTTP 503 "status 503"; given up until the next group_interval/);
  d.update([a], T0 + 5 * MIN);
  await at(30_000 + 5 * MIN + MIN);
  assert.equal(r.requests.length, 4, 'not logged as told: tried again');
  assert.ok(audit.records.notifications.every((n) => !n.ok));
});

test('a 4xx answer is not retried (the receiver refused the body)', async () => {
  const r = await hook(() => 400);
  const { d, at, warnings } = setup({ receivers: [receiver(r.url)] });
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0);
  await at(MIN);
  assert.equal(r.requests.length, 1);
  assert.match(warnings[0]!, /not retried/);
});

test('a receiver that hangs is cut off at timeoutMs; one that hangs up is reported as such', async () => {
  const hang = await hook(() => 'hang');
  const close = await hook(() => 'close');
  const { d, at, audit } = setup({ receivers: [receiver(hang.url, { name: 'hang', timeoutMs: 200, maxAttempts: 1 }), receiver(close.url, { name: 'close', maxAttempts: 1 })] });
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0);
  await at(30_000);
  const byReceiver = Object.fromEntries(audit.records.notifications.map((n) => [n.receiver, n]));
  assert.equal(byReceiver.hang!.ok, false);
  assert.equal(byReceiver.hang!.error, 'no answer within 200 ms');
  assert.equal(byReceiver.close!.ok, false);
  assert.match(byReceiver.close!.error!, /closed|socket|reset/i);
});

test('a hanging receiver delays neither update() nor another receiver', async () => {
  const hang = await hook(() => 'hang');
  const good = await hook();
  const { d, clock, audit } = setup({ receivers: [receiver(hang.url, { name: 'hang', timeoutMs: 60_000, maxAttempts: 1 }), receiver(good.url, { name: 'good' })], immediate: true });
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0);
  // The good receiver is told while the hanging one still holds its request open.
  while (good.requests.length === 0 || audit.records.notifications.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(hang.requests.length, 1);
  assert.deepEqual(audit.records.notifications.map((n) => [n.receiver, n.ok]), [['good', true]]);
  // And the next evaluation goes through at once (update is synchronous: it returned).
  d.update([alert('HighErrorCount', {}, { activeAt: T0 }), alert('SlowBroker', {}, { activeAt: T0 })], clock.now());
  while (good.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal(audit.records.notifications.filter((n) => n.receiver === 'hang').length, 0, 'the hanging attempt is still open');
  await hang.close();
});

test('restart between firing and resolution: exactly one firing and one resolved notification', async () => {
  const r = await hook();
  const dir = tempDir();
  const clock = new FakeClock();
  const a = alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 });
  const first = setup({ receivers: [receiver(r.url)], stateDir: dir, clock });
  first.d.update([a], T0);
  await first.at(2 * MIN);
  await first.d.close();
  assert.equal(r.requests.length, 1);
  // The new process: the evaluator reports the alert still firing every 15 s, then resolved.
  const second = setup({ receivers: [receiver(r.url)], stateDir: dir, clock });
  for (let t = 3 * MIN; t < 3 * 3600_000; t += MIN) {
    second.d.update([a], T0 + t);
    await second.at(t + MIN - 1);
  }
  assert.equal(r.requests.length, 1, 'not told again within repeat_interval');
  second.d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + 3 * 3600_000 })], T0 + 3 * 3600_000);
  await second.at(3 * 3600_000 + 10 * MIN);
  assert.deepEqual(r.requests.map((x) => x.body.status), ['firing', 'resolved']);
  assert.deepEqual(second.d.history().map((h) => h.status), ['firing', 'resolved']);
});

test('restart after a resolution was reported but before it was told: the new process tells it', async () => {
  const r = await hook();
  const dir = tempDir();
  const clock = new FakeClock();
  const first = setup({ receivers: [receiver(r.url)], stateDir: dir, clock });
  first.d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await first.at(MIN);
  first.d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + 2 * MIN })], T0 + 2 * MIN);
  // Stopped before group_interval: the resolution is owed.
  await first.d.close();
  assert.equal(r.requests.length, 1);
  const second = setup({ receivers: [receiver(r.url)], stateDir: dir, clock });
  // No evaluation needed (the evaluator restored its own state: the alert is inactive, nothing to report): told after group_wait.
  await second.at(3 * MIN);
  assert.equal(r.requests.length, 2);
  assert.deepEqual(r.requests.map((x) => x.body.status), ['firing', 'resolved']);
  assert.equal(r.requests[1]!.body.alerts[0].endsAt, '2026-09-15T12:02:00Z');
});

test('--once (immediate): each run tells what is new, and a later run does not repeat it', async () => {
  const r = await hook();
  const dir = tempDir();
  const clock = new FakeClock();
  const a = alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 });
  for (const t of [0, 15 * MIN, 30 * MIN]) {
    clock.t = T0 + t;
    const run = setup({ receivers: [receiver(r.url)], stateDir: dir, clock, immediate: true });
    run.d.update([a], T0 + t);
    await run.d.flush();
    await run.d.close();
  }
  assert.equal(r.requests.length, 1);
  clock.t = T0 + 45 * MIN;
  const run = setup({ receivers: [receiver(r.url)], stateDir: dir, clock, immediate: true });
  run.d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + 45 * MIN })], T0 + 45 * MIN);
  await run.d.flush();
  await run.d.close();
  assert.deepEqual(r.requests.map((x) => x.body.status), ['firing', 'resolved']);
});

test('a damaged notifications.json is reported and replaced, never fatal', async () => {
  const r = await hook();
  const dir = tempDir();
  writeFileSync(join(dir, 'notifications.json'), '{"version":1,"log":[');
  const { d, at, warnings } = setup({ receivers: [receiver(r.url)], stateDir: dir });
  assert.match(warnings[0]!, /cannot read .*notifications\.json.*\[DAYBOOK_E_ALERT_STATE\]/);
  d.update([alert('HighErrorCount', {}, { activeAt: T0 })], T0);
  await at(30_000);
  await d.close();
  assert.equal(r.requests.length, 1);
  const { loadNotifications } = await import('./log.js');
  assert.equal(loadNotifications(join(dir, 'notifications.json')).log.entries.size, 1);
});

test('notifications.json that cannot be written: one line for the outage, notifications go on, no temp file left, written again once it can be', async () => {
  const r = await hook();
  const dir = tempDir();
  const file = join(dir, 'notifications.json');
  // A directory in the file's place (not empty): every write fails at its rename, as on a
  // read-only or full disk it fails at its open or write (tests run as root: chmod stops nothing).
  mkdirSync(file);
  writeFileSync(join(file, 'x'), '');
  const { d, at, warnings } = setup({ receivers: [receiver(r.url)], stateDir: dir });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await at(30_000);
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 }), alert('HighErrorCount', { bot: 'b2' }, { activeAt: T0 + MIN })], T0 + MIN);
  await at(6 * MIN);
  assert.equal(r.requests.length, 2, 'both notifications sent');
  const writes = warnings.filter((w) => w.includes('cannot write'));
  assert.equal(writes.length, 1, warnings.join(''));
  assert.match(writes[0]!, /cannot write .*notifications\.json.*\[DAYBOOK_E_ALERT_STATE\]/);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  // The disk is back: the next change is written.
  rmSync(file, { recursive: true });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0, resolvedAt: T0 + 7 * MIN })], T0 + 7 * MIN);
  await d.close();
  const { loadNotifications } = await import('./log.js');
  assert.equal(loadNotifications(file).log.entries.size, 1);
});
