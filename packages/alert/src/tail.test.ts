import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DirectoryTail } from './tail.js';
import { tempDir } from './test/helpers.js';

/** The text each look hands over. */
function looked(tail: DirectoryTail): { text: string; rewritten: boolean } {
  let text = '';
  const r = tail.look((b, s, e) => void (text += b.toString('utf8', s, e)));
  assert.equal(r.bytes, Buffer.byteLength(text));
  return { text, rewritten: r.rewritten };
}

test('hands over the complete lines appended since the last look, a partial line once it ends; the first look only notes where files end', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'audit.log'), '{"a":1}\n');
  const tail = new DirectoryTail(dir);
  assert.deepEqual(looked(tail), { text: '', rewritten: false });
  appendFileSync(join(dir, 'audit.log'), '{"b":2}\n{"c":');
  assert.equal(looked(tail).text, '{"b":2}\n');
  assert.equal(looked(tail).text, '');
  appendFileSync(join(dir, 'audit.log'), '3}\n');
  assert.equal(looked(tail).text, '{"c":3}\n');
  // An app log beside it, and a category view, which the analyzer leaves out beside audit.log.
  appendFileSync(join(dir, 'bot.log'), '2026-09-15 12:00:00 | bot | ERROR | x\n');
  appendFileSync(join(dir, 'trades.log'), '{"view":1}\n');
  assert.equal(looked(tail).text, '2026-09-15 12:00:00 | bot | ERROR | x\n');
});

test('a rotation loses nothing: the rest of the renamed file (read through the descriptor held), then the new one from its start', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'audit.log'), '{"n":1}\n');
  const tail = new DirectoryTail(dir);
  looked(tail);
  appendFileSync(join(dir, 'audit.log'), '{"n":2}\n');
  renameSync(join(dir, 'audit.log'), join(dir, 'audit.log.1'));
  writeFileSync(join(dir, 'audit.log'), '{"n":3}\n');
  // A writer that still had the old file open when it was renamed.
  appendFileSync(join(dir, 'audit.log.1'), '{"n":"2b"}\n');
  const text = looked(tail).text;
  assert.deepEqual(text.split('\n').filter(Boolean).sort(), ['{"n":"2b"}', '{"n":2}', '{"n":3}']);
  // Followed until a look finds nothing more in it.
  appendFileSync(join(dir, 'audit.log.1'), '{"n":"2c"}\n');
  appendFileSync(join(dir, 'audit.log'), '{"n":4}\n');
  assert.deepEqual(looked(tail).text.split('\n').filter(Boolean).sort(), ['{"n":"2c"}', '{"n":4}']);
  assert.equal(looked(tail).text, '');
  appendFileSync(join(dir, 'audit.log'), '{"n":5}\n');
  assert.equal(looked(tail).text, '{"n":5}\n');
});

test('a file that shrank or changed without growing was rewritten, not appended to', () => {
  const dir = tempDir();
  const file = join(dir, 'audit.log');
  writeFileSync(file, '{"n":1}\n{"n":2}\n');
  const tail = new DirectoryTail(dir);
  looked(tail);
  truncateSync(file, 8);
  assert.deepEqual(looked(tail), { text: '', rewritten: true });
  appendFileSync(file, '{"n":3}\n');
  assert.deepEqual(looked(tail), { text: '{"n":3}\n', rewritten: false });
});

test('a line longer than the read buffer is handed over whole; a look reads at most maxBytes, the rest at the next', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'audit.log'), '');
  const tail = new DirectoryTail(dir, 600 * 1024);
  looked(tail);
  const long = `{"m":"${'x'.repeat(400 * 1024)}"}\n`;
  appendFileSync(join(dir, 'audit.log'), long + long);
  assert.equal(looked(tail).text, long);
  assert.equal(looked(tail).text, long);
});

test('a directory that does not exist (yet) has nothing appended', () => {
  const tail = new DirectoryTail(join(tempDir(), 'later'));
  assert.deepEqual(looked(tail), { text: '', rewritten: false });
});
