import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretKeyTest } from './redact.js';

test('default fragments match secrets in any spelling, not ordinary fields', () => {
  const isSecret = createSecretKeyTest();
  for (const k of ['api_key', 'API-KEY', 'apiKey', 'secret', 'client_secret', 'password', 'token', 'access_token', 'Authorization', 'private_key', 'privateKey']) {
    assert.equal(isSecret(k), true, k);
  }
  for (const k of ['symbol', 'price', 'order_id', 'status', 'retry_count', 'endpoint']) assert.equal(isSecret(k), false, k);
});

test('configurable: own fragments, or off', () => {
  const own = createSecretKeyTest(['account']);
  assert.equal(own('account_number'), true);
  assert.equal(own('password'), false);
  assert.equal(createSecretKeyTest(false)('password'), false);
});

test('the memo is bounded: 100,000 distinct keys do not break it', () => {
  const isSecret = createSecretKeyTest();
  for (let i = 0; i < 100_000; i++) isSecret(`field_${i}`);
  assert.equal(isSecret('token'), true);
});
