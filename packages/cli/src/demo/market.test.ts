import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EQUITIES, Market, PERPS, SESSION_MINUTES, SYMBOLS } from './market.js';
import { createRandom, seedOf } from './random.js';

function session(seed: number, bars: number): number[][] {
  const m = new Market(SYMBOLS, createRandom(seed));
  m.openSession();
  const out: number[][] = [];
  for (let i = 0; i < bars; i++) out.push(m.step().map((b) => b.price));
  return out;
}

describe('market', () => {
  it('a dozen symbols: the DayBot equities and the fleet perps', () => {
    assert.equal(SYMBOLS.length, 12);
    assert.equal(EQUITIES.length + PERPS.length, 12);
    assert.equal(new Set(SYMBOLS.map((s) => s.symbol)).size, 12);
  });

  it('the same seed gives the same prices; another seed does not', () => {
    assert.deepEqual(session(7, 200), session(7, 200));
    assert.notDeepEqual(session(7, 200), session(8, 200));
  });

  it('prices stay positive and move by a plausible amount over a session', () => {
    const m = new Market(EQUITIES, createRandom(seedOf(1, 'x')));
    for (let day = 0; day < 20; day++) {
      m.openSession();
      for (let i = 0; i < SESSION_MINUTES; i++) for (const b of m.step()) assert.ok(b.price > 0 && Number.isFinite(b.price));
    }
    for (const s of EQUITIES) {
      const ratio = m.price(s.symbol) / s.price;
      assert.ok(ratio > 0.2 && ratio < 5, `${s.symbol} moved by ${ratio}x in 20 sessions`);
    }
  });

  it('volatility clusters: large moves follow large moves (squared returns are autocorrelated)', () => {
    const m = new Market([SYMBOLS[3]!], createRandom(99));
    const r2: number[] = [];
    for (let i = 0; i < 20_000; i++) r2.push(m.step()[0]!.ret ** 2);
    const mean = r2.reduce((a, b) => a + b, 0) / r2.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < r2.length; i++) {
      den += (r2[i]! - mean) ** 2;
      if (i > 0) num += (r2[i]! - mean) * (r2[i - 1]! - mean);
    }
    assert.ok(num / den > 0.05, `lag-1 autocorrelation of squared returns ${num / den}`);
  });

  it('keeps a bounded history of closes', () => {
    const m = new Market(PERPS, createRandom(1));
    for (let i = 0; i < 500; i++) m.step();
    assert.equal(m.closes('BTC-PERP').length, 240);
    assert.equal(m.closes('BTC-PERP').at(-1), m.price('BTC-PERP'));
    assert.throws(() => m.price('NOPE'), /unknown symbol/);
  });
});
