import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EventType } from '@daybook/core';
import { startServer } from './server.js';
import { logger, rawRequest, tempDir } from './test/helpers.js';

// The live-stream limit, raced right after start: every connection arrives while the tail
// index's first refresh is under way. Counted when a stream is admitted (before any await),
// exactly the limit get a stream; the others a 503 that says so.

async function burst(limit: number, connections: number): Promise<{ ok: number; refused: string[] }> {
  const dir = tempDir();
  const audit = logger(dir);
  for (let i = 0; i < 50; i++) void audit.logSystemEvent(EventType.MARKET_STATUS, `event ${i}`);
  await audit.close();
  const { app, url } = await startServer({ logDir: dir, port: 0, warm: false, pollMs: 0, docs: false, maxStreams: limit });
  const port = Number(new URL(url).port);
  try {
    const head = `GET /audit/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream`;
    const answers = await Promise.all(Array.from({ length: connections }, () => rawRequest(port, head, { headOnly: true })));
    // Heads only: an admitted stream never ends (the second test reads a refusal's body).
    const ok = answers.filter((a) => a.status === 200).length;
    const refused = answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.body}`);
    assert.equal(app.daybook.streams.size, ok, 'every admitted stream is open');
    for (const a of answers) a.close();
    return { ok, refused };
  } finally {
    await app.close();
  }
}

it('exactly maxStreams live streams are admitted from a burst right after start (5 of 40)', async () => {
  const { ok, refused } = await burst(5, 40);
  assert.equal(ok, 5);
  assert.equal(refused.length, 35);
  for (const r of refused) assert.match(r, /^503 /);
});

it('the refusal is a coded 503 with a message, and a slot frees when a stream closes', async () => {
  const dir = tempDir();
  const { app, url } = await startServer({ logDir: dir, port: 0, warm: false, pollMs: 0, docs: false, maxStreams: 1 });
  const port = Number(new URL(url).port);
  try {
    const head = `GET /audit/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream`;
    const first = await rawRequest(port, head, { headOnly: true });
    assert.equal(first.status, 200);
    const second = await rawRequest(port, `${head}\r\nConnection: close`);
    assert.equal(second.status, 503);
    const e = JSON.parse(second.body) as { error: string; message: string };
    assert.equal(e.error, 'DAYBOOK_E_SERVER_STREAM_LIMIT');
    assert.match(e.message, /1 live streams are open.*--max-streams/);
    first.close();
    // The server sees the close when its socket does; ask until the slot is free.
    let third;
    for (let i = 0; i < 200; i++) {
      third = await rawRequest(port, head, { headOnly: true });
      if (third.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(third!.status, 200);
    third!.close();
  } finally {
    await app.close();
  }
});
