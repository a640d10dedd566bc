import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from './errors.js';

test('every error code is documented in docs/errors.md, and every documented code exists', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/`(DAYBOOK_[EW]_[A-Z_]+)`/g)].map((m) => m[1]));
  for (const code of Object.keys(ERROR_CODES)) assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
  const core = [...documented].filter((c) => c !== undefined && !(c in ERROR_CODES));
  // Other packages document their codes here too; those must be declared somewhere in the repo.
  for (const code of core) assert.match(code!, /^DAYBOOK_[EW]_[A-Z]+(_[A-Z]+)*$/);
});

test('every code says what to do', () => {
  for (const [code, hint] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^DAYBOOK_[EW]_[A-Z_]+$/);
    assert.ok(hint.length > 20 && /[.]$/.test(hint), `${code} needs a sentence`);
  }
});
