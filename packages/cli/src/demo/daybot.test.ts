import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { verify, type AuditLogger } from '@daybook/core';
import { backfill, SimClock, tradingDays } from './backfill.js';
import type { BrokerClient } from './broker-client.js';
import { DayBot } from './daybot.js';
import { EQUITIES, Market } from './market.js';
import { firstDifference, normalizeEvents } from './normalize.js';
import { createRandom, seedOf } from './random.js';

const root = mkdtempSync(join(tmpdir(), 'daybook-daybot-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function history(name: string, seed: number, days: string[]): Promise<Record<string, unknown>[]> {
  const dir = join(root, name);
  const market = new Market(EQUITIES, createRandom(seedOf(seed, 'equities')));
  const random = createRandom(seedOf(seed, 'daybot'));
  await backfill({ dir, seed, days, makeBot: (audit: AuditLogger, broker: BrokerClient) => new DayBot({ audit, broker, market, random }) });
  assert.equal((await verify(dir)).ok, true);
  return readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}


describe('daybot', () => {
  it('tradingDays: the weekdays before today, oldest first', () => {
    assert.deepEqual(tradingDays(Date.parse('2026-11-23T12:00:00Z'), 3), ['2026-11-18', '2026-11-19', '2026-11-20']);
    assert.deepEqual(tradingDays(Date.parse('2026-11-22T12:00:00Z'), 1), ['2026-11-20']);
    assert.deepEqual(tradingDays(Date.now(), 0), []);
  });

  it('SimClock never goes back and keeps whole milliseconds', () => {
    const c = new SimClock(1000);
    c.to(500);
    assert.equal(c.now, 1000);
    c.advance(35.2);
    assert.equal(c.now, 1036);
  });

  it('a backfilled day: the whole DayBot vocabulary, inside the session, in order', async () => {
    const events = await history('a', 42, ['2026-11-20']);
    const types = new Set(events.map((e) => e.event_type));
    for (const t of ['system_start', 'market_status', 'entry_signal', 'position_size_calculated', 'trade_entry', 'trade_exit', 'api_call', 'health_check', 'symbol_scan', 'performance_metric', 'system_stop']) {
      assert.ok(types.has(t), `no ${t} event`);
    }
    assert.ok(types.has('stop_loss_hit') || types.has('take_profit_hit'));
    assert.ok(types.has('risk_limit_hit') || types.has('portfolio_heat_warning'));
    const times = events.map((e) => Date.parse(e.timestamp as string));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'timestamps never go back');
    assert.ok(times[0]! >= Date.parse('2026-11-20T14:25:00Z') && times.at(-1)! <= Date.parse('2026-11-20T21:10:00Z'));
    const exits = events.filter((e) => e.event_type === 'trade_exit');
    assert.ok(exits.length >= 10, `${exits.length} exits`);
    for (const e of exits) {
      assert.equal(typeof e.pnl, 'number');
      assert.equal(typeof e.strategy_name, 'string');
      assert.equal(typeof (e.metadata as { exit_reason?: unknown }).exit_reason, 'string');
      assert.equal(typeof (e.metadata as { hold_time_minutes?: unknown }).hold_time_minutes, 'number');
    }
    const entry = events.find((e) => e.event_type === 'trade_entry')!;
    assert.equal(typeof (entry.metadata as { stop_loss?: unknown }).stop_loss, 'number');
    assert.equal(entry.portfolio_value, 100_000);
  });

  it('the same seed writes the same events apart from times and ids; another seed does not', async () => {
    const days = ['2026-11-19', '2026-11-20'];
    const [a, b, c] = await Promise.all([history('b1', 9, days), history('b2', 9, days), history('c', 10, days)]);
    const [na, nb, nc] = [normalizeEvents(a), normalizeEvents(b), normalizeEvents(c)];
    const at = firstDifference(na, nb);
    assert.equal(at, -1, `first difference at event ${at}: ${JSON.stringify(na[at])} vs ${JSON.stringify(nb[at])}`);
    assert.equal(na.length, nb.length);
    assert.notEqual(firstDifference(na, nc), -1);
    assert.equal(new Set(a.map((e) => e.session_id)).size, 2, 'a session per day');
  });
});
