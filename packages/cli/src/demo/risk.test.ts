import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkEntry, dailyLossHit, DEFAULT_LIMITS, portfolioHeat, positionSize, type RiskLimits } from './risk.js';

const limits: RiskLimits = { riskPerTrade: 0.01, maxPositionPct: 0.5, maxOpenPositions: 3, heatWarning: 0.02, maxHeat: 0.03, dailyLossLimit: 0.02 };

describe('risk', () => {
  it('sizes by the risk budget over the stop distance', () => {
    const s = positionSize({ equity: 100_000, entry: 100, stop: 98, limits });
    assert.equal(s.quantity, 500);
    assert.equal(s.riskAmount, 1000);
    assert.equal(s.capped, false);
  });

  it('a short is sized the same way (stop above entry)', () => {
    assert.equal(positionSize({ equity: 100_000, entry: 100, stop: 102, limits }).quantity, 500);
  });

  it('cuts the size to the position value limit and says so', () => {
    const s = positionSize({ equity: 100_000, entry: 100, stop: 99.5, limits });
    assert.equal(s.uncappedQuantity, 2000);
    assert.equal(s.quantity, 500);
    assert.equal(s.capped, true);
    assert.equal(s.maxPositionValue, 50_000);
    assert.equal(s.riskAmount, 250);
  });

  it('a zero stop distance gives no position', () => {
    assert.equal(positionSize({ equity: 100_000, entry: 100, stop: 100, limits }).quantity, 0);
  });

  it('portfolio heat is the money at risk to the stops over equity', () => {
    assert.equal(portfolioHeat([{ quantity: 100, entry: 50, stop: 48 }, { quantity: 10, entry: 100, stop: 110 }], 10_000), 0.03);
    assert.equal(portfolioHeat([], 10_000), 0);
  });

  it('checkEntry: the daily loss limit, max positions and max heat refuse; heat over the warning line warns', () => {
    const candidate = positionSize({ equity: 100_000, entry: 100, stop: 99, limits: { ...limits, riskPerTrade: 0.005 } });
    const base = { equity: 100_000, dayStartEquity: 100_000, dailyPnl: 0, openPositions: 0, heat: 0, candidate, limits };
    assert.deepEqual(checkEntry(base), { ok: true, heatAfter: 0.005, warn: false });
    assert.deepEqual(checkEntry({ ...base, heat: 0.018 }), { ok: true, heatAfter: 0.023, warn: true });
    assert.equal(checkEntry({ ...base, heat: 0.028 }).ok, false);
    assert.deepEqual(checkEntry({ ...base, openPositions: 3 }), { ok: false, limit: 'max_positions', heatAfter: 0.005 });
    assert.deepEqual(checkEntry({ ...base, dailyPnl: -2000 }), { ok: false, limit: 'daily_loss', heatAfter: 0.005 });
    assert.equal(dailyLossHit(-1999, 100_000, limits), false);
    assert.equal(dailyLossHit(-2000, 100_000, limits), true);
  });

  it('the default limits leave room for several positions before the heat limit', () => {
    assert.ok(DEFAULT_LIMITS.maxHeat / DEFAULT_LIMITS.riskPerTrade >= 5);
    assert.ok(DEFAULT_LIMITS.heatWarning < DEFAULT_LIMITS.maxHeat);
  });
});
