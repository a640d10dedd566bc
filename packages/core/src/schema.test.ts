import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { eventJsonSchema } from './schema.js';

const shipped = JSON.parse(readFileSync(new URL('../schema/event.schema.json', import.meta.url), 'utf8')) as object;

test('the shipped schema is the one generated from the TypeScript field table (npm run schema -w @daybook/core)', () => {
  assert.deepEqual(shipped, eventJsonSchema());
});

test('position_id and fee are in the schema, where the writer puts them: after order_id, and after pnl', () => {
  const properties = (shipped as { properties: Record<string, { type: unknown }> }).properties;
  const names = Object.keys(properties);
  assert.deepEqual(properties.position_id!.type, 'string');
  assert.deepEqual(properties.fee!.type, ['number', 'null']);
  assert.equal(names.indexOf('position_id'), names.indexOf('order_id') + 1);
  assert.equal(names.indexOf('fee'), names.indexOf('pnl') + 1);
});

test('the schema accepts the Python DayBot line apart from its float/offset quirks, and rejects forged fields', () => {
  const validate = new Ajv2020({ strict: false }).compile(shipped);
  // seed-notes.md's real line, with daybook's timestamp and id forms
  const line = {
    timestamp: '2026-11-22T18:47:00.543Z', level: 'INFO', logger: 'daybot_audit', message: 'Trade entry: buy 100 AAPL @ $150.25',
    module: 'audit_logger', function: '_log_entry', line: 238, event_id: '019ab0c2-1a2b-7c3d-8e4f-0123456789ab', event_type: 'trade_entry',
    component: 'trading', session_id: 's1', symbol: 'AAPL', side: 'buy', quantity: 100.0, price: 150.25, order_id: 'o1', risk_percent: 0.01,
    metadata: { stop_loss: 145.0 }, strategy_name: 'momentum', environment: 'test',
  };
  assert.ok(validate(line), JSON.stringify(validate.errors));
  assert.equal(validate({ ...line, injected: true }), false);
  assert.equal(validate({ ...line, level: 'LOUD' }), false);
  assert.equal(validate({ ...line, event_type: 'bogus' }), false);
  const { metadata: _m, ...noMetadata } = line;
  assert.equal(validate(noMetadata), false);
});
