import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyLogNames } from './stream-files.js';

test('the files daybook writes form each stream, oldest first, the current file last', () => {
  const d = classifyLogNames(['audit.log', 'audit.log.2.gz', 'audit.log.1', 'audit.log.10.gz', 'trades.log.1.gz', 'trades.log', 'bot.log', 'notes.txt', '.daybook', 'audit.log.3.gz.tmp']);
  assert.deepEqual([...d.streams.keys()], ['audit.log', 'bot.log', 'trades.log']);
  assert.deepEqual(d.streams.get('audit.log')!.map((f) => [f.name, f.n, f.gz]), [
    ['audit.log.10.gz', 10, true], ['audit.log.2.gz', 2, true], ['audit.log.1', 1, false], ['audit.log', 0, false],
  ]);
  assert.deepEqual(d.strays, []);
});

test('look-alikes beside the real backups are strays, with the reason, and belong to no stream', () => {
  const d = classifyLogNames(['audit.log', 'audit.log.0', 'audit.log.gz', 'audit.log.05.gz', 'audit.log.3', 'audit.log.3.gz', 'audit.log.1.gz', 'audit.log.old']);
  assert.deepEqual(d.streams.get('audit.log')!.map((f) => f.name), ['audit.log.3.gz', 'audit.log.1.gz', 'audit.log']);
  assert.deepEqual(d.strays.map((s) => s.name), ['audit.log.0', 'audit.log.05.gz', 'audit.log.3', 'audit.log.gz']);
  for (const s of d.strays) assert.equal(s.stream, 'audit.log');
  assert.match(d.strays.find((s) => s.name === 'audit.log.3')!.reason, /superseded by audit\.log\.3\.gz/);
  assert.match(d.strays.find((s) => s.name === 'audit.log.0')!.reason, /start at 1/);
});

test('a stream may consist of backups alone (its current file not yet reopened)', () => {
  const d = classifyLogNames(['audit.log.1.gz']);
  assert.deepEqual(d.streams.get('audit.log')!.map((f) => f.n), [1]);
});
