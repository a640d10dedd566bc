import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDispatcher } from './dispatcher.js';
import { slackMessage, telegramMessage } from './chat.js';
import { goTime, templateData, title, type NotifyAlert } from './message.js';
import { fingerprint } from './labels.js';
import { alert, FakeClock, noSilences, receiver, recordingAudit, ROUTE, startReceiver, T0, type TestReceiver } from '../test/notify-kit.js';

function notifyAlert(labels: Record<string, string>, summary: string, endsAt: number | null = null): NotifyAlert {
  return { fingerprint: fingerprint(labels), status: endsAt === null ? 'firing' : 'resolved', labels, annotations: { summary }, startsAt: T0, endsAt, generatorURL: '' };
}

const group = (alerts: NotifyAlert[]) => templateData({ receiver: 'ops', groupKey: '{}:{alertname="HighErrorCount"}', groupLabels: { alertname: 'HighErrorCount' }, alerts, externalURL: '' });

test('instants are printed as Go prints them: no fraction when whole, trailing zeros cut', () => {
  assert.equal(goTime(Date.parse('2026-09-15T12:00:00.000Z')), '2026-09-15T12:00:00Z');
  assert.equal(goTime(Date.parse('2026-09-15T12:00:00.120Z')), '2026-09-15T12:00:00.12Z');
  assert.equal(goTime(Date.parse('2026-09-15T12:00:00.005Z')), '2026-09-15T12:00:00.005Z');
});

test("the title is Alertmanager's default subject: status, count, group values, the other common values", () => {
  const d = group([notifyAlert({ alertname: 'HighErrorCount', severity: 'critical', bot: 'a1' }, '11'), notifyAlert({ alertname: 'HighErrorCount', severity: 'critical', bot: 'b2' }, '12')]);
  assert.equal(title(d), '[FIRING:2] HighErrorCount (critical)');
  const r = group([notifyAlert({ alertname: 'HighErrorCount', bot: 'a1' }, '11', T0 + 60_000)]);
  assert.equal(title(r), '[RESOLVED] HighErrorCount (a1)');
});

test('labels named as Object.prototype\'s properties are labels like any other (title, group labels, order, templates)', async () => {
  const { groupLabelsOf } = await import('./message.js');
  const { compareAlertLabels } = await import('./labels.js');
  const { expandAll } = await import('../template.js');
  // A common label `toString` is not in the group labels: it is in the title.
  const d = group([notifyAlert({ alertname: 'HighErrorCount', toString: 'team-x' }, '11')]);
  assert.equal(title(d), '[FIRING:1] HighErrorCount (team-x)');
  assert.deepEqual(groupLabelsOf({ alertname: 'A', bot: 'b1' }, ['bot', 'toString', 'constructor']), { bot: 'b1' });
  // Go's LabelSet.Before: at the first name in order, the set without it comes first.
  assert.equal(compareAlertLabels({ toString: 'a' }, { valueOf: 'b' }), 1);
  assert.deepEqual(expandAll({ summary: '[{{ $labels.constructor }}] [{{ $labels.toString }}] [{{ $labels.bot }}]' }, { value: 1, threshold: 0, labels: { bot: 'b1' } }), { summary: '[] [] [b1]' });
});

test('Slack: text for notifications, blocks with every alert; mrkdwn control characters escaped', () => {
  const d = group([notifyAlert({ alertname: 'HighErrorCount', severity: 'critical', bot: 'a1' }, '11 errors <!channel> & more')]);
  const m = slackMessage(d);
  assert.equal(m.text, '[FIRING:1] HighErrorCount (a1 critical)');
  assert.deepEqual(m.blocks[0], { type: 'section', text: { type: 'mrkdwn', text: '*[FIRING:1] HighErrorCount (a1 critical)*' } });
  assert.deepEqual(m.blocks[1], { type: 'section', text: { type: 'mrkdwn', text: '• *HighErrorCount* bot=a1 severity=critical — 11 errors &lt;!channel&gt; &amp; more (since 2026-09-15T12:00:00Z)' } });
  assert.equal(m.blocks.length, 2);
});

test('Telegram: sendMessage with chat_id, HTML text escaped, at most 4096 characters cut at a line', () => {
  const d = group([notifyAlert({ alertname: 'HighErrorCount', bot: 'a1' }, 'latency > 1s & <b>', T0 + 60_000)]);
  const m = telegramMessage(d, '-1001234');
  assert.deepEqual(Object.keys(m), ['chat_id', 'text', 'parse_mode', 'disable_web_page_preview']);
  assert.equal(m.chat_id, '-1001234');
  assert.equal(m.parse_mode, 'HTML');
  assert.equal(m.text, '<b>[RESOLVED] HighErrorCount (a1)</b>\n\n• <b>HighErrorCount</b> bot=a1 — latency &gt; 1s &amp; &lt;b&gt; (resolved 2026-09-15T12:01:00Z)');
  const many = group(Array.from({ length: 20 }, (_, i) => notifyAlert({ alertname: 'HighErrorCount', bot: `b${i}` }, 'x'.repeat(400))));
  const long = telegramMessage(many, '1');
  assert.ok(long.text.length <= 4096);
  assert.ok(long.text.endsWith('\n…'));
  assert.equal((long.text.match(/<b>/g) ?? []).length, (long.text.match(/<\/b>/g) ?? []).length, 'no tag cut in half');
});

const servers: TestReceiver[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

test('a receiver with format slack or telegram gets that body, posted as JSON', async () => {
  const slack = await startReceiver();
  const telegram = await startReceiver();
  servers.push(slack, telegram);
  const clock = new FakeClock();
  const d = createDispatcher({
    receivers: [receiver(slack.url, { name: 'slack', format: 'slack' }), receiver(telegram.url, { name: 'tg', format: 'telegram', chatId: '42' })],
    route: ROUTE, silences: noSilences, audit: recordingAudit(), clock, immediate: true,
  });
  d.update([alert('HighErrorCount', { bot: 'a1' }, { activeAt: T0 })], T0);
  await d.flush();
  await d.close();
  assert.equal(slack.requests[0]!.headers['content-type'], 'application/json');
  assert.equal(slack.requests[0]!.body.text, '[FIRING:1] HighErrorCount (a1 critical)');
  assert.equal(telegram.requests[0]!.body.chat_id, '42');
  assert.match(telegram.requests[0]!.body.text, /^<b>\[FIRING:1\] HighErrorCount \(a1 critical\)<\/b>\n\n• <b>HighErrorCount<\/b> bot=a1 severity=critical — 12 errors in the last hour/);
});
