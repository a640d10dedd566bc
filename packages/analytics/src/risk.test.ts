import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRange } from './dates.js';
import { eventSetFromEvents } from './event-set.js';
import { computeReport } from './report.js';
import { ev } from './test/helpers.js';

const risk = (events: Record<string, unknown>[], start?: string, end?: string) => computeReport(eventSetFromEvents(events), parseRange(start, end)).risk_metrics;

describe('risk metrics', () => {
  it('nothing: zero counts, null extremes, no days', () => {
    assert.deepEqual(risk([]), {
      risk_limit_hits: 0, daily_loss_limit_hits: 0, portfolio_heat_warnings: 0, position_size_calculations: 0,
      max_portfolio_heat: null, max_daily_loss: null, risk_events_by_day: {},
    });
  });

  it('counts, extremes from top level or metadata, and days with all four keys', () => {
    const m = risk([
      ev({ timestamp: '2024-01-01T23:59:59.999Z', event_type: 'risk_limit_hit' }),
      ev({ timestamp: '2024-01-02T00:00:00.000Z', event_type: 'risk_limit_hit', portfolio_heat: 0.05 }),
      ev({ timestamp: '2024-01-02T01:00:00Z', event_type: 'portfolio_heat_warning', portfolio_heat: null, metadata: { portfolio_heat: 0.12 } }),
      ev({ timestamp: '2024-01-02T02:00:00Z', event_type: 'daily_loss_limit', daily_pnl: -500 }),
      ev({ timestamp: '2024-01-02T03:00:00Z', event_type: 'position_size_calculated' }),
      ev({ timestamp: '2024-01-02T04:00:00Z', event_type: 'trade_exit', metadata: { daily_pnl: -700, portfolio_heat: '0.9' } }),
      ev({ timestamp: '2024-01-03T04:00:00Z', event_type: 'health_check', portfolio_heat: 0.01, daily_pnl: 20 }),
    ]);
    assert.equal(m.risk_limit_hits, 2);
    assert.equal(m.daily_loss_limit_hits, 1);
    assert.equal(m.portfolio_heat_warnings, 1);
    assert.equal(m.position_size_calculations, 1);
    assert.equal(m.max_portfolio_heat, 0.12);
    assert.equal(m.max_daily_loss, -700);
    assert.deepEqual(m.risk_events_by_day, {
      '2024-01-01': { risk_limit_hit: 1, daily_loss_limit: 0, portfolio_heat_warning: 0, position_size_calculated: 0 },
      '2024-01-02': { risk_limit_hit: 1, daily_loss_limit: 1, portfolio_heat_warning: 1, position_size_calculated: 1 },
    });
  });

  it('max_daily_loss is literally the minimum, positive included; range applies', () => {
    const events = [ev({ timestamp: '2024-01-01T10:00:00Z', daily_pnl: 30 }), ev({ timestamp: '2024-01-02T10:00:00Z', daily_pnl: -30 })];
    assert.equal(risk(events, '2024-01-01', '2024-01-01').max_daily_loss, 30);
    assert.equal(risk(events).max_daily_loss, -30);
  });
});
