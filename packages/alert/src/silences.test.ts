import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMatchers, silenceDuration, SilenceError, silenceState, SilenceStore, SILENCE_RETENTION_MS } from './silences.js';
import { tempDir } from './test/helpers.js';
import { recordingAudit, T0 } from './test/notify-kit.js';

const H = 3600_000;
const fresh = () => tempDir();
const labels = { alertname: 'HighErrorCount', severity: 'critical', bot: 'a1' };

test('a silence mutes matching labels from its start to its end, not before, not after', async () => {
  const store = new SilenceStore(fresh());
  const s = await store.add({ matchers: { alertname: 'HighErrorCount', bot: 'a1' }, startsAt: T0 + H, duration: 2 * H, createdBy: 'ann', comment: 'broker maintenance' }, T0);
  assert.equal(silenceState(s, T0), 'pending');
  assert.equal(store.silencing(labels, T0), undefined, 'not before its start');
  assert.equal(store.silencing(labels, T0 + H)?.id, s.id);
  assert.equal(store.silencing({ ...labels, bot: 'b2' }, T0 + H), undefined, 'every matcher must match');
  assert.equal(store.silencing({ bot: 'a1' }, T0 + H), undefined, 'a missing label does not match');
  assert.equal(store.silencing(labels, T0 + 3 * H - 1)?.id, s.id);
  assert.equal(store.silencing(labels, T0 + 3 * H), undefined, 'expired at its end');
  assert.equal(silenceState(s, T0 + 3 * H), 'expired');
});

test('add and expire are audited, and another store on the same directory sees them (another process)', async () => {
  const dir = fresh();
  const audit = recordingAudit();
  const cli = new SilenceStore(dir, { audit });
  const running = new SilenceStore(dir);
  assert.equal(running.silencing(labels, T0), undefined);
  const s = await cli.add({ matchers: { alertname: 'HighErrorCount' }, duration: H, createdBy: 'ann', comment: 'deploy' }, T0);
  assert.equal(running.silencing(labels, T0 + 1)?.id, s.id);
  const ended = await cli.expire(s.id.slice(0, 8), T0 + 60_000);
  assert.equal(ended.endsAt, new Date(T0 + 60_000).toISOString());
  assert.equal(running.silencing(labels, T0 + 60_000), undefined);
  assert.deepEqual(audit.records.silences.map((x) => [x.action, x.silence.id]), [['added', s.id], ['expired', s.id]]);
  assert.equal(JSON.parse(readFileSync(join(dir, 'silences.json'), 'utf8')).silences.length, 1, 'kept for list --all');
  await assert.rejects(cli.expire(s.id, T0 + 120_000), /already ended/);
  await assert.rejects(cli.expire('00000000-nope', T0), (e: SilenceError) => e.code === 'DAYBOOK_E_ALERT_SILENCE' && /no silence/.test(e.message));
});

test('silences ended longer ago than the retention are removed at the next change (audited as removed)', async () => {
  const audit = recordingAudit();
  const store = new SilenceStore(fresh(), { audit });
  const old = await store.add({ matchers: { alertname: 'A' }, duration: H, createdBy: 'x', comment: '' }, T0);
  await store.add({ matchers: { alertname: 'B' }, duration: H, createdBy: 'x', comment: '' }, T0 + H + SILENCE_RETENTION_MS);
  assert.deepEqual(store.list().map((s) => s.matchers.alertname), ['B']);
  assert.deepEqual(audit.records.silences.map((x) => [x.action, x.silence.id]).filter(([a]) => a === 'removed'), [['removed', old.id]]);
});

test('a silence without matchers, ending before it starts or in the past is refused', async () => {
  const store = new SilenceStore(fresh());
  await assert.rejects(store.add({ matchers: {}, duration: H, createdBy: 'x', comment: '' }, T0), /at least one matcher/);
  await assert.rejects(store.add({ matchers: { a: 'b' }, startsAt: T0, endsAt: T0 - 1, createdBy: 'x', comment: '' }, T0), /before it starts/);
  await assert.rejects(store.add({ matchers: { a: 'b' }, startsAt: T0 - 2 * H, endsAt: T0 - H, createdBy: 'x', comment: '' }, T0), /in the past/);
  await assert.rejects(store.add({ matchers: { a: 'b' }, createdBy: 'x', comment: '' }, T0), /an end \(or a duration\)/);
});

test('matchers are name=value equalities; durations are like 2h, 1h30m, 1d', () => {
  assert.deepEqual(parseMatchers(['alertname=HighErrorCount', 'bot="a 1"']), { alertname: 'HighErrorCount', bot: 'a 1' });
  // `__proto__=x` was dropped silently: a silence meant to match nothing matched every alert of the other matchers.
  for (const bad of ['alertname', 'alertname=~High.*', 'bot!=a1', '1x=y', '=v', '__proto__=x', '__name__=y']) assert.throws(() => parseMatchers(['alertname=A', bad]), SilenceError, bad);
  assert.throws(() => parseMatchers([]), /at least one matcher/);
  assert.equal(silenceDuration('2h'), 2 * H);
  assert.equal(silenceDuration('1h30m'), 1.5 * H);
  assert.equal(silenceDuration('1d'), 24 * H);
  for (const bad of ['2', 'h', '2 h', '-1h', '1y', '']) assert.throws(() => silenceDuration(bad), SilenceError, bad);
});

test('a damaged silences.json: a change is refused (nothing overwritten), matching keeps the silences read before and says so once', async () => {
  const dir = fresh();
  const warnings: string[] = [];
  const store = new SilenceStore(dir, { warn: (l) => void warnings.push(l) });
  const s = await store.add({ matchers: { alertname: 'HighErrorCount' }, duration: H, createdBy: 'x', comment: '' }, T0);
  writeFileSync(join(dir, 'silences.json'), '{"version":1,"silences":[');
  assert.equal(store.silencing(labels, T0 + 1)?.id, s.id);
  assert.equal(store.silencing(labels, T0 + 2)?.id, s.id);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /cannot read .*silences\.json.*\[DAYBOOK_E_ALERT_STATE\]/);
  await assert.rejects(store.add({ matchers: { a: 'b' }, duration: H, createdBy: 'x', comment: '' }, T0), /move it aside/);
  assert.equal(readFileSync(join(dir, 'silences.json'), 'utf8'), '{"version":1,"silences":[');
});
