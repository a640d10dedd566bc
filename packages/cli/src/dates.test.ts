import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveDate } from './dates.js';

test('today, yesterday and Nd are UTC days; anything else passes through for the analyzer to check', () => {
  const now = Date.parse('2026-03-02T23:30:00Z');
  assert.equal(resolveDate('today', now), '2026-03-02');
  assert.equal(resolveDate('Yesterday', now), '2026-03-01');
  assert.equal(resolveDate('7d', now), '2026-02-23');
  assert.equal(resolveDate('0d', now), '2026-03-02');
  assert.equal(resolveDate('2024-01-15', now), '2024-01-15');
  assert.equal(resolveDate('2024-01-15T10:00:00Z', now), '2024-01-15T10:00:00Z');
  assert.equal(resolveDate('7 days', now), '7 days');
  assert.equal(resolveDate(undefined, now), undefined);
});
