import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBool, parseSize, readAppEnv, readAuditEnv } from './config.js';
import { DaybookError } from './errors.js';

test('readAuditEnv reads the four DAYBOT_LOG_* variables of the guide', () => {
  assert.deepEqual(
    readAuditEnv({ DAYBOT_LOG_LEVEL: 'INFO', DAYBOT_LOG_DIR: 'logs', DAYBOT_LOG_MAX_SIZE: '52428800', DAYBOT_LOG_BACKUP_COUNT: '10' }),
    { consoleLevel: 'INFO', logDir: 'logs', maxFileSize: 52428800, backupCount: 10 },
  );
  assert.deepEqual(readAuditEnv({}), { consoleLevel: undefined, logDir: undefined, maxFileSize: undefined, backupCount: undefined });
});

test('a malformed variable is an error that names it', () => {
  for (const [name, value] of [
    ['DAYBOT_LOG_LEVEL', 'LOUD'],
    ['DAYBOT_LOG_MAX_SIZE', 'fifty'],
    ['DAYBOT_LOG_MAX_SIZE', '-5'],
    ['DAYBOT_LOG_BACKUP_COUNT', '2.5'],
    ['DAYBOT_LOG_BACKUP_COUNT', 'ten'],
  ] as const) {
    assert.throws(
      () => readAuditEnv({ [name]: value }),
      (e: unknown) => e instanceof DaybookError && e.code === 'DAYBOOK_E_CONFIG_ENV' && e.message.includes(name) && e.message.includes(value),
      `${name}=${value}`,
    );
  }
  assert.throws(() => readAppEnv({ LOG_FILE_ENABLED: 'maybe' }), /LOG_FILE_ENABLED="maybe"/);
  assert.throws(() => readAppEnv({ LOG_LEVEL: 'chatty' }), /LOG_LEVEL="chatty"/);
});

test('readAppEnv reads LOG_LEVEL and LOG_FILE_ENABLED of the Drift summary', () => {
  assert.deepEqual(readAppEnv({ LOG_LEVEL: 'debug', LOG_FILE_ENABLED: 'false' }), { logLevel: 'DEBUG', fileEnabled: false });
});

test('parseSize: bytes and binary units; parseBool: the usual spellings', () => {
  assert.equal(parseSize('52428800'), 52428800);
  assert.equal(parseSize('50MB'), 52428800);
  assert.equal(parseSize('1.5 KiB'), 1536);
  assert.equal(parseSize('0'), undefined);
  assert.equal(parseSize('5 parsecs'), undefined);
  assert.equal(parseBool('YES'), true);
  assert.equal(parseBool('0'), false);
  assert.equal(parseBool(''), undefined);
});
