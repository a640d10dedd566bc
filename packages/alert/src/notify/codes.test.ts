import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NOTIFY_CODES } from './codes.js';

test('every code of the notifications and silences is documented in docs/errors.md and says what to do', () => {
  const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, hint] of Object.entries(NOTIFY_CODES)) {
    assert.match(code, /^DAYBOOK_[EW]_[A-Z]+(_[A-Z]+)*$/);
    assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`);
    assert.ok(hint.length > 20 && hint.endsWith('.'), `${code} needs a sentence`);
  }
});
