import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { readLines, tempDir } from './test/helpers.js';

test('with no listener, problems go to stderr, one line per code, never an unheard error event that crashes', (t) => {
  const dir = tempDir(t);
  // A child process: its stderr is what a bot's operator would see.
  const script = `
    import { AuditLogger } from ${JSON.stringify(new URL('./index.js', import.meta.url).href)};
    const a = new AuditLogger({ logDir: ${JSON.stringify(dir)}, consoleLevel: false });
    for (let i = 0; i < 5; i++) a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: NaN, price: 1 });
    await a.close();
    console.log('after close:', await a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 }));
    console.log('after close:', await a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'after close: false\nafter close: false\n');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.filter((l) => l.includes('DAYBOOK_W_INPUT')).length, 1, run.stderr);
  assert.match(lines.find((l) => l.includes('DAYBOOK_W_INPUT'))!, /quantity was NaN; written as null\. .*metadata\._daybook_warnings/);
  assert.equal(lines.filter((l) => l.includes('DAYBOOK_E_CLOSED')).length, 1, run.stderr);
  assert.equal(readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'trade_entry').length, 5);
});

test('a console that throws or errors does not stop file logging', async (t) => {
  const dir = tempDir(t);
  const broken = new Writable({
    write(_chunk, _enc, done) {
      done(new Error('EPIPE'));
    },
  });
  broken.on('error', () => {}); // the stream's own error is the stream owner's to handle
  const throwing = { write: () => { throw new Error('closed'); } } as unknown as NodeJS.WritableStream;
  for (const consoleStream of [broken, throwing]) {
    const a = new AuditLogger({ logDir: dir, consoleStream, consoleLevel: 'DEBUG' });
    assert.equal(await a.logTradeEntry({ symbol: 'X', side: 'buy', quantity: 1, price: 1 }), true);
    await a.close();
  }
  assert.equal(readLines(join(dir, 'audit.log')).filter((e) => e.event_type === 'trade_entry').length, 2);
});
