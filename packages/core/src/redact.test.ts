import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_METADATA_LIMITS, LineNotes, MetadataWriter } from './json.js';
import { createSecretKeyTest, maskSecrets, suspect } from './redact.js';

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

test('keys are read as a person reads them: full-width letters, invisible characters, case and separators do not hide a secret', () => {
  const isSecret = createSecretKeyTest();
  const secrets = [
    'pwd', 'privkey', 'auth', 'jwt', 'bearer', 'access_key_id', 'pin', 'otp', 'ｐａｓｓｗｏｒｄ', 'pass\u200bword', 'pass\u00adword',
    'Api-Key', 'API_KEY', 'apiKey', 'x-api-key', 'client_secret', 'private_key', 'secretKey', 'passphrase', 'session_token',
    'refresh_token', 'cookie', 'set-cookie', 'authorization', 'signature', 'seed', 'mnemonic', 'PIN', 'user_pin', 'otpCode',
    'X-Auth', 'db_pass', 'APIKey', 'wallet.seed', 'seedPhrase', 'sig',
  ];
  for (const k of secrets) assert.equal(isSecret(k), true, k);
  // Short tokens only as whole words: these are ordinary fields.
  const ordinary = ['pinned_at', 'spin', 'author', 'authority', 'passenger', 'compass', 'bypass_cache', 'seeded', 'design', 'signal', 'otpimized',
    'symbol', 'price', 'order_id', 'stop_loss', 'hostname', 'entry_reason', 'technical_indicators', 'error_type', 'traceback', 'endpoint'];
  for (const k of ordinary) assert.equal(isSecret(k), false, k);
});

test('a user list follows the same rules: short fragments as words, long ones anywhere', () => {
  const isSecret = createSecretKeyTest(['acct', 'routing_number']);
  assert.equal(isSecret('acct'), true);
  assert.equal(isSecret('bankAcct'), true);
  assert.equal(isSecret('acctual'), false);
  assert.equal(isSecret('RoutingNumberLast4'), true);
});

test('secret shapes in values are masked; what only looks like one is left alone', () => {
  const isSecret = createSecretKeyTest();
  const cases: [string, string][] = [
    ['GET /v2/orders?apikey=AK123456&sig=9f86d081&symbol=AAPL', 'GET /v2/orders?apikey=[REDACTED]&sig=[REDACTED]&symbol=AAPL'],
    ['https://api.x.com/v1?access_token=abc.def&limit=5', 'https://api.x.com/v1?access_token=[REDACTED]&limit=5'],
    ['login failed: password=hunter2 user=bob', 'login failed: password=[REDACTED] user=bob'],
    ['Authorization: Bearer sk_live_51Habc123XYZ', 'Authorization: Bearer [REDACTED]'],
    ['Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic [REDACTED]'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpM expired', 'token [REDACTED] expired'],
    ['body {"user":"bob","password":"hunter2","qty":1}', 'body {"user":"bob","password":"[REDACTED]","qty":1}'],
    ['connect postgres://bot:s3cr3t@db:5432/x', 'connect postgres://bot:[REDACTED]@db:5432/x'],
    ['key -----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ\n-----END PRIVATE KEY----- loaded', 'key -----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY----- loaded'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow (cut off', '-----BEGIN RSA PRIVATE KEY-----[REDACTED]-----END RSA PRIVATE KEY-----'],
  ];
  for (const [input, want] of cases) assert.equal(maskSecrets(input, isSecret), want, input);
  const untouched = [
    'Basic strategy engaged', 'Bearer authentication failed', 'x=1 y=2 symbol=AAPL',
    'chain head 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'tx 5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW',
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----', 'base64 aGVsbG8= padding',
  ];
  for (const s of untouched) assert.equal(maskSecrets(s, isSecret), s, s);
});

test('a token in a URL fragment and a lower-case bearer are masked, in metadata and in an Error', () => {
  const isSecret = createSecretKeyTest();
  assert.equal(maskSecrets('redirect https://x.com/cb#access_token=S3cretTok&state=1', isSecret), 'redirect https://x.com/cb#access_token=[REDACTED]&state=1');
  assert.equal(maskSecrets('https://x.com/cb#token=S3cretTok', isSecret), 'https://x.com/cb#token=[REDACTED]');
  assert.equal(suspect('request failed: bearer sk_live_51Habc123XYZ'), true, 'nothing else in it is suspect');
  const w = new MetadataWriter(DEFAULT_METADATA_LIMITS, isSecret);
  const text = w.write({ err: new Error('request failed: bearer sk_live_51Habc123XYZ'), header: 'Authorization: bearer sk_live_51Habc123XYZ', cb: 'https://x.com/cb#access_token=S3cretTok' }, undefined, new LineNotes());
  assert.doesNotMatch(text, /sk_live|S3cretTok/, text);
});
