import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readJson, writeJsonAtomic, writeJsonAtomicSync } from './state-file.js';

for (const [name, write] of [['writeJsonAtomic', writeJsonAtomic], ['writeJsonAtomicSync', writeJsonAtomicSync]] as const) {
  test(`${name}: replaces the file whole; a failed write throws, leaves the target as it was and no temp file`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'daybook-state-file-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sub', 'f.json');
    await write(file, { a: 1 });
    await write(file, { b: [2] });
    assert.deepEqual(readJson(file), { b: [2] });
    // A non-empty directory in the target's place: the rename fails after the temp file was written.
    const blocked = join(dir, 'blocked.json');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'keep'), 'k');
    await assert.rejects(async () => write(blocked, { c: 3 }));
    assert.equal(readFileSync(join(blocked, 'keep'), 'utf8'), 'k');
    assert.deepEqual(readdirSync(dir).sort(), ['blocked.json', 'sub']);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['f.json']);
  });
}

test('readJson: undefined for a missing file; throws for a file that is not JSON', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'daybook-state-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(readJson(join(dir, 'none.json')), undefined);
  writeFileSync(join(dir, 'bad.json'), '{"a":');
  assert.throws(() => readJson(join(dir, 'bad.json')), SyntaxError);
});
