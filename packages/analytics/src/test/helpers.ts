import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { dedupSegment, IdSet } from '../dedup.js';
import { eventSetFromEvents, type EventSet } from '../event-set.js';
import type { Segment } from '../segment.js';

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

/** A small seeded generator (Park and Miller's minimal standard): the same seed, the same numbers in [0, 1). */
export function random(seed: number): () => number {
  let x = seed % 2147483647 || 1;
  return () => (x = (x * 48271) % 2147483647) / 2147483647;
}

/**
 * The sets of one source over appends, one per chunk: each holds the segments before (the same
 * objects and keep masks) and the chunk's, de-duplicated against them, and the same `lineage`
 * (linking resumes from the set before).
 */
export function growingSets(chunks: readonly Record<string, unknown>[][], lineage: object = {}): EventSet[] {
  const ids = new IdSet();
  const segments: Segment[] = [];
  const keep: Uint8Array[] = [];
  return chunks.map((chunk) => {
    const s = eventSetFromEvents(chunk).segments[0]!;
    segments.push(s);
    keep.push(dedupSegment(s, ids));
    return { segments: [...segments], keep: [...keep], bad: eventSetFromEvents([]).bad, problems: [], lineage };
  });
}

/** `xs` in chunks of 0 to 39 (empty ones too: a read that found nothing new). */
export function chunked<T>(xs: readonly T[], rnd: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; ) {
    const n = Math.floor(rnd() * 40);
    out.push(xs.slice(i, i + n));
    i += n;
  }
  return out;
}
