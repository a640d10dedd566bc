import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uuidv7, uuidv7Time } from './id.js';
import { isoTimestamp } from './clock.js';

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('uuidv7: RFC 9562 layout, carries its millisecond', () => {
  const now = Date.now();
  const id = uuidv7(now);
  assert.match(id, UUIDV7);
  assert.ok(uuidv7Time(id) >= now);
});

test('uuidv7: 200,000 ids are unique and strictly increasing, even within one millisecond', () => {
  const fixed = Date.now() + 10_000; // far enough ahead that earlier ids sort before
  const ids: string[] = [];
  for (let i = 0; i < 100_000; i++) ids.push(uuidv7(fixed)); // > 4096 in one ms: borrows later ms
  for (let i = 0; i < 100_000; i++) ids.push(uuidv7());
  for (let i = 1; i < ids.length; i++) {
    assert.ok(ids[i - 1]! < ids[i]!, `id ${i} not after id ${i - 1}: ${ids[i - 1]} ${ids[i]}`);
  }
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids.slice(0, 50)) assert.match(id, UUIDV7);
});

test('uuidv7: a clock that steps back does not reorder ids', () => {
  const a = uuidv7(Date.now() + 20_000);
  const b = uuidv7(Date.now() - 60_000);
  assert.ok(a < b);
});

test('isoTimestamp equals Date#toISOString across seconds, days and leap days', () => {
  const samples = [0, 999, 1000, 1_700_000_000_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 2, 1)];
  for (let i = 0; i < 2000; i++) samples.push(Math.floor(Math.random() * 4_000_000_000_000));
  for (const ms of samples) assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
});
