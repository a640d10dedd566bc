// Daybook's webhook body against a real Alertmanager's (Debian's prometheus-alertmanager): the
// same alerts posted to its /api/v2/alerts and handed to daybook's dispatcher; what each posts
// to a loopback receiver must be the same JSON, key for key and in the same order.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Alert } from '../types.js';
import { createDispatcher } from './dispatcher.js';
import { fingerprint } from './labels.js';
import { freePort, tempDir } from '../test/helpers.js';
import { FakeClock, noSilences, receiver, recordingAudit, startReceiver, type TestReceiver } from '../test/notify-kit.js';

const AM = 'prometheus-alertmanager';
const installed = spawnSync(AM, ['--version']).status === 0;

async function until<T>(what: string, get: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const children: ChildProcess[] = [];
const servers: TestReceiver[] = [];
after(async () => {
  for (const c of children) c.kill('SIGTERM');
  for (const s of servers) await s.close();
});

test("the Alertmanager webhook body is Alertmanager's own, firing and resolved", { skip: !installed && `${AM} is not installed (.ci/run installs it)` }, async () => {
  const fromAm = await startReceiver();
  const fromDaybook = await startReceiver();
  servers.push(fromAm, fromDaybook);
  const dir = tempDir();
  const port = await freePort();
  writeFileSync(join(dir, 'am.yml'), [
    'route:', '  receiver: ops', "  group_by: ['alertname']", '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h',
    'receivers:', '  - name: ops', '    webhook_configs:', `      - url: ${fromAm.url}`, '        send_resolved: true', '',
  ].join('\n'));
  const am = spawn(AM, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', '--web.external-url=http://dashboard.example:8080/'], { stdio: 'ignore' });
  children.push(am);

  // Started 10 minutes ago, one with a millisecond fraction (Go prints it without trailing zeros).
  const started = Math.floor(Date.now() / 1000) * 1000 - 600_000;
  const specs: Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: number }> = [
    { labels: { alertname: 'HighErrorCount', severity: 'critical', bot: 'b2' }, annotations: { summary: '12 errors in the last hour', runbook: 'x' }, startsAt: started + 120 },
    { labels: { alertname: 'HighErrorCount', severity: 'critical', bot: 'a1', instance: 'host-1' }, annotations: { summary: '11 errors in the last hour', runbook: 'x' }, startsAt: started },
    { labels: { alertname: 'HighErrorCount', severity: 'warning', bot: 'c3' }, annotations: { summary: '15 errors in the last hour', runbook: 'x' }, startsAt: started + 5 },
  ];
  const post = async (endsAt?: number) => {
    const body = specs.map((s) => ({ labels: s.labels, annotations: s.annotations, startsAt: new Date(s.startsAt).toISOString(), ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }) }));
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal(res.status, 200, await res.text());
        return;
      } catch (e) {
        if (am.exitCode !== null) throw new Error(`${AM} exited with ${am.exitCode}`);
        await new Promise((r) => setTimeout(r, 100));
        void e;
      }
    }
  };
  const asAlerts = (resolvedAt?: number): Alert[] => specs.map((s) => ({
    name: 'HighErrorCount', state: resolvedAt === undefined ? 'firing' : 'inactive', value: 12, threshold: 10, labels: s.labels, annotations: s.annotations,
    since: new Date(s.startsAt).toISOString(), activeAt: new Date(s.startsAt).toISOString(),
    resolvedAt: resolvedAt === undefined ? null : new Date(resolvedAt).toISOString(), fingerprint: fingerprint(s.labels),
  }));

  const clock = new FakeClock(Date.now());
  const d = createDispatcher({
    receivers: [receiver(fromDaybook.url)], route: { groupBy: ['alertname'], groupWait: 1000, groupInterval: 1000, repeatInterval: 3600_000 },
    silences: noSilences, audit: recordingAudit(), clock, immediate: true, externalURL: 'http://dashboard.example:8080/',
  });
  await post();
  d.update(asAlerts(), clock.now());
  await d.flush();
  // Alertmanager tells an alert older than group_wait at once: the first notification may hold only the first alert posted.
  const amFiring = await until('Alertmanager\'s firing notification of the three', () => fromAm.requests.find((r) => r.body.alerts.length === 3));
  const dbFiring = fromDaybook.requests[0]!;
  assert.equal(JSON.stringify(dbFiring.body), JSON.stringify(amFiring.body), 'same JSON, same key order');
  assert.equal(amFiring.body.alerts[0].endsAt, '0001-01-01T00:00:00Z');

  const ended = started + 300_000;
  await post(ended);
  clock.t += 60_000;
  d.update(asAlerts(ended), clock.now());
  await d.flush();
  await d.close();
  const amResolved = await until('Alertmanager\'s resolved notification', () => fromAm.requests.find((r) => r.body.status === 'resolved'));
  assert.equal(JSON.stringify(fromDaybook.requests[1]!.body), JSON.stringify(amResolved.body));
  assert.equal(fromDaybook.requests[1]!.headers['content-type'], amFiring.headers['content-type']);
});
