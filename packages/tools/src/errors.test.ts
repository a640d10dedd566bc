import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TOOLS_ERROR_CODES, ToolsError } from './errors.js';

test('every error code is documented in the README with what to do', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of Object.keys(TOOLS_ERROR_CODES)) assert.ok(readme.includes(code), `${code} is missing from packages/tools/README.md`);
});

test('a ToolsError says what happened, what to do, and its code', () => {
  const e = new ToolsError('DAYBOOK_E_TOOLS_PATH', 'nope is not a directory');
  assert.equal(e.message, `nope is not a directory. ${TOOLS_ERROR_CODES.DAYBOOK_E_TOOLS_PATH} [DAYBOOK_E_TOOLS_PATH]`);
  assert.equal(e.isUsage, true);
  assert.equal(new ToolsError('DAYBOOK_E_TOOLS_TYPECHECK', 'x').isUsage, false);
});
