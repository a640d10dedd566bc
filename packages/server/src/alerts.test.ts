import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Evaluator, parseRules } from '@daybook/alert';
import { ev, lines } from '../../analytics/dist/test/helpers.js';
import { buildApp } from './app.js';

const dir = mkdtempSync(join(tmpdir(), 'daybook-server-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const line = (timestamp: string, fields: Record<string, unknown>): string => lines([ev({ timestamp, ...fields })]);

test('GET /audit/alerts: the active alerts of the rules the server evaluates, firing first, and the recent changes', async (t) => {
  appendFileSync(join(dir, 'audit.log'), line('2026-09-15T11:30:00.000Z', { level: 'ERROR', event_type: 'system_error' }) + line('2026-09-15T11:31:00.000Z', { level: 'ERROR', event_type: 'system_error' }));
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const evaluator = new Evaluator({
    rules: parseRules({ rules: [
      { name: 'Errors', kind: 'error_count', window: '1h', threshold: 1, annotations: { summary: '{{ $value }} errors' } },
      { name: 'Quiet', kind: 'no_events', window: '5m', for: '10m' },
      { name: 'Risk', kind: 'risk_limit_hits', window: '1h', threshold: 0 },
    ] }),
    // The server's own analyzer, as daybook serve --rules wires it.
    targets: () => [{ labels: {}, figures: app!.daybook.analyzer }],
  });
  app = await buildApp({ logDir: dir, alerts: evaluator, docs: false });
  t.after(() => app!.close());
  await evaluator.evaluate(Date.parse('2026-09-15T12:00:00Z'));
  const res = await app.inject('/audit/alerts');
  assert.equal(res.statusCode, 200);
  const body = res.json() as { enabled: boolean; evaluated_at: string; active: { name: string; state: string; value: number; annotations: Record<string, string>; active_at: string }[]; recent: { at: string; from: string; to: string; alert: { name: string } }[] };
  assert.equal(body.enabled, true);
  assert.equal(body.evaluated_at, '2026-09-15T12:00:00.000Z');
  assert.deepEqual(body.active.map((a) => [a.name, a.state, a.value]), [['Errors', 'firing', 2], ['Quiet', 'pending', 0]]);
  assert.equal(body.active[0]!.annotations.summary, '2 errors');
  assert.deepEqual(body.recent.map((r) => [r.alert.name, r.from, r.to]), [['Quiet', 'inactive', 'pending'], ['Errors', 'inactive', 'firing']]);
});

test('GET /audit/alerts without rules: enabled false', async (t) => {
  const app = await buildApp({ logDir: dir, docs: false });
  t.after(() => app.close());
  assert.deepEqual((await app.inject('/audit/alerts')).json(), { enabled: false, evaluated_at: null, active: [], recent: [] });
});
