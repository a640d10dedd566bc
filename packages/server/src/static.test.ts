import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';

// The workspace overrides @fastify/static's content-disposition 3 (engines >=22) with 2.0.1,
// the CommonJS build of the same API (see packages/tools/src/engines.test.ts). The plugin
// calls it in reply.download(): this is that call, through the installed tree.
test('@fastify/static names a download with the content-disposition the workspace installs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'daybook-static-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'report.csv'), 'a,b\n1,2\n');
  const app = Fastify();
  await app.register(fastifyStatic, { root, serve: false });
  app.get('/download', (_req, reply) => reply.download('report.csv', 'trading logs é.csv'));
  const r = await app.inject('/download');
  await app.close();
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, 'a,b\n1,2\n');
  assert.equal(r.headers['content-disposition'], `attachment; filename="trading logs ?.csv"; filename*=UTF-8''trading%20logs%20%C3%A9.csv`);
});
