import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AuditLogger } from './audit-logger.js';
import { DaybookError } from './errors.js';
import { FileSink } from './file-sink.js';
import { tempDir } from './test/helpers.js';
import { exited, startChild } from './test/storage.js';

test('a second process opening a file already held gets DAYBOOK_E_LOCKED naming the owner; a stale lock is taken over', async (t) => {
  const dir = tempDir(t);
  const holder = startChild('hold', dir);
  const done = exited(holder);
  await new Promise<void>((resolve) => holder.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  assert.throws(
    () => new AuditLogger({ logDir: dir, consoleLevel: false, env: {} }),
    (e: unknown) => e instanceof DaybookError && e.code === 'DAYBOOK_E_LOCKED' && e.message.includes(String(holder.pid)),
  );
  holder.kill('SIGKILL');
  await done;
  assert.match(readFileSync(join(dir, '.daybook', 'audit.log.lock'), 'utf8'), new RegExp(`^${holder.pid} `), 'a killed owner leaves its lock');
  const logger = new AuditLogger({ logDir: dir, consoleLevel: false, env: {} });
  await logger.close();
});

test('a lock naming a pid that does not run is stale', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, '.daybook'));
  const { hostname } = await import('node:os');
  writeFileSync(join(dir, '.daybook', 'x.log.lock'), `999999999 ${hostname()}\n`);
  const s = new FileSink({ path: join(dir, 'x.log') });
  await s.close();
});
