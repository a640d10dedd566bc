import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ema, mean, meanReversion, momentum, rsi, stdev, trendFollowing } from './strategy.js';

const flat = (n: number, v = 100): number[] => Array.from({ length: n }, (_, i) => v + (i % 2 === 0 ? 0.05 : -0.05));

describe('strategy', () => {
  it('indicators', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(stdev([2, 4, 4, 4, 5, 5, 7, 9]).toFixed(4), '2.1381');
    assert.equal(ema([5, 5, 5], 3), 5);
    assert.equal(rsi([1, 2, 3, 4]), 100);
    assert.equal(rsi([4, 3, 2, 1]), 0);
    assert.equal(rsi([1, 1, 1]), 50);
  });

  it('momentum: a breakout above the 30-minute range is a buy, a breakdown a sell, a range nothing', () => {
    const up = [...flat(40), 100.2, 100.4, 100.7, 101.2];
    assert.equal(momentum.entry(up)?.side, 'buy');
    assert.equal(momentum.entry(up)?.reason, 'breakout_above_resistance');
    const down = [...flat(40), 99.8, 99.6, 99.3, 98.8];
    assert.equal(momentum.entry(down)?.side, 'sell');
    assert.equal(momentum.entry(flat(60)), undefined);
    assert.equal(momentum.entry(up.slice(-20)), undefined, 'not enough history');
  });

  it('momentum exits when the short average falls under the long one', () => {
    const rising = Array.from({ length: 60 }, (_, i) => 100 + i * 0.1);
    assert.equal(momentum.exit(rising, 'buy'), undefined);
    assert.equal(momentum.exit([...rising, ...Array.from({ length: 20 }, (_, i) => 105 - i * 0.3)], 'buy'), 'momentum_faded');
    assert.equal(momentum.exit(rising, 'sell'), 'momentum_faded');
  });

  it('mean reversion fades a stretch and exits at the mean', () => {
    const dip = [...flat(40), 98];
    assert.equal(meanReversion.entry(dip)?.side, 'buy');
    assert.ok(meanReversion.entry(dip)!.indicators.zscore! < -2.2);
    assert.equal(meanReversion.entry([...flat(40), 102])?.side, 'sell');
    assert.equal(meanReversion.entry(flat(40)), undefined);
    assert.equal(meanReversion.exit([...flat(40), 100.3], 'buy'), 'mean_reached');
    assert.equal(meanReversion.exit([...flat(40), 99.5], 'buy'), undefined);
  });

  it('trend following buys a fresh cross up and only on the bar it happens', () => {
    const falling = Array.from({ length: 60 }, (_, i) => 110 - i * 0.1);
    let closes = [...falling];
    let crossed: number | undefined;
    for (let i = 0; i < 40 && crossed === undefined; i++) {
      closes = [...closes, closes.at(-1)! + 0.4];
      if (trendFollowing.entry(closes)?.side === 'buy') crossed = i;
    }
    assert.notEqual(crossed, undefined, 'a rally after a decline crosses the averages');
    assert.equal(trendFollowing.entry([...closes, closes.at(-1)! + 0.4]), undefined, 'the cross is not fresh any more');
    assert.equal(trendFollowing.exit(falling, 'buy'), 'trend_reversal');
  });

  it('stops are closer than targets for the trend strategies', () => {
    for (const s of [momentum, trendFollowing]) assert.ok(s.stopRanges < s.targetRanges, s.name);
  });
});
