import assert from 'node:assert/strict';

/** `actual` equals `expected`: numbers within relative 1e-9 (absolute 1e-12 near 0), the same keys, the same order of lists. */
export function same(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tol = Math.max(1e-12, Math.abs(expected) * 1e-9);
    assert.ok(Math.abs(actual - expected) <= tol || (Number.isNaN(actual) && Number.isNaN(expected)), `${path}: ${actual} != ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: not a list`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((x, i) => same(actual[i], x, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${path}: not an object`);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(e).sort(), `${path}: keys`);
    for (const k of Object.keys(e)) same(a[k], e[k], `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}
