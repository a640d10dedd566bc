import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

let counter = 0;

/** A canonical UUID, unique within the test run. */
export function nextId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

/** An event as daybook writes it, with defaults for what a test does not care about. */
export function ev(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    timestamp: '2024-01-01T12:00:00.000Z', level: 'INFO', logger: 'daybook_audit', message: 'm', event_id: nextId(),
    event_type: 'system_start', component: 'system', session_id: 's1', environment: 'test', metadata: {},
    ...fields,
  };
}

export const exit = (timestamp: string, pnl: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ev({ timestamp, event_type: 'trade_exit', component: 'trading', symbol: 'AAPL', quantity: 1, price: 1, pnl, ...extra });

export const lines = (events: readonly Record<string, unknown>[]): string => events.map((e) => JSON.stringify(e) + '\n').join('');

/** `actual` within relative 1e-9 of `expected` (absolute 1e-12 near 0), or both null. */
export function near(actual: number | null | undefined, expected: number | null, what = ''): void {
  if (expected === null) {
    assert.equal(actual, null, what);
    return;
  }
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)} is not a number`);
  const tol = Math.max(1e-12, Math.abs(expected) * 1e-9);
  assert.ok(Math.abs(actual! - expected) <= tol, `${what}: ${actual} != ${expected}`);
}

/** A temporary directory removed after the test file. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'daybook-analytics-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}
