import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { startServer } from './server.js';
import { fixture, rawRequest, tempDir } from './test/helpers.js';

// Hostile paths over raw sockets against a real server with a token and the dashboard's
// static files: never a 5xx, always a coded message, and nothing of the logs, of the files
// beside the page, or of the machine in the answer. The list is what a fuzz of the segments
// and prefixes below found answering 500 before (153 distinct targets: the static plugin's
// 403 for `..`, `.`, NUL and backslash, its ENAMETOOLONG, `//x`), and the reported ones.

const TOKEN = 's3cret-token';
let app: FastifyInstance;
let port: number;
let exportDir: string;

before(async () => {
  const dir = await fixture();
  const page = tempDir();
  writeFileSync(join(page, 'index.html'), '<h1>dashboard</h1>');
  mkdirSync(join(page, 'assets'));
  writeFileSync(join(page, 'assets', 'app.js'), 'console.log(1)');
  exportDir = tempDir();
  ({ app } = await startServer({ logDir: dir, staticDir: page, exportDir, token: TOKEN, port: 0, warm: false, pollMs: 0 }));
  port = (app.server.address() as { port: number }).port;
});
after(() => app.close());

const REPORTED = [
  '//x', '/./x', '/%2e%2e/', '/%00', '/docs/static/../..', '/..%2f', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/%c0%ae%c0%ae/', '/a%ZZ',
  '/..', '/.', '/%2e', '/.%2e', '/%5c', '/\\', '/..%5c', '/x/..', '/audit//events', '/audit/./events', '/audit/..', '/docs/%2e%2e/audit/events',
  '/docs/static/%2e%2e/package.json', '/docs/static/%00', '/assets/%2e%2e', '/assets/..%2f..%2fpackage.json', '/%252e%252e/', '/%e0%80%ae%e0%80%ae/',
  '/%', '/%u002e', '/%ff', '/%0d%0a', '/.daybook', '/.git/config', `/${'a'.repeat(300)}`, `/${'a'.repeat(8000)}`, `/${'a/'.repeat(4000)}`,
  `/docs/static/${'a'.repeat(6000)}`, `/${'%2e%2e/'.repeat(1000)}`, `/audit/${'x'.repeat(10000)}`,
];
const PREFIXES = ['/', '/docs/static/', '/assets/', '/audit/', '/docs/', '//'];
const SEGMENTS = ['..', '.', '%2e%2e', '%2E%2e', '.%2e', '%2e', '%00', '%2f', '%5c', '\\', '', '%c0%ae%c0%ae', '%ZZ', '..%2f', '..%5c', 'etc/passwd', '../../package.json', 'b'.repeat(300)];
const TARGETS = [...REPORTED, ...PREFIXES.flatMap((p) => SEGMENTS.map((s) => p + s))];

/** What no refused or failed answer may hold: events, metrics, the API document, files off the page, the machine's. */
const LEAK = /event_id|daybook_events_total|"openapi"|"ok":|root:x?:0|"name":\s*"@?[a-z]|\[core\]/;

it('hostile paths, with and without the token: 4xx with a message, nothing leaked', async () => {
  const statuses = new Map<number, number>();
  for (const target of TARGETS) {
    for (const auth of [false, true]) {
      const head = [`GET ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, ...(auth ? [`Authorization: Bearer ${TOKEN}`] : []), 'Connection: close'].join('\r\n');
      const r = await rawRequest(port, head);
      const what = `${auth ? 'with' : 'without'} token: GET ${target.slice(0, 80)}`;
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.ok(r.status >= 200 && r.status < 500, `${what} -> ${r.status} ${r.body.slice(0, 200)}`);
      assert.ok(!LEAK.test(r.body), `${what} leaks: ${r.body.slice(0, 200)}`);
      if (r.status >= 400 && r.status !== 431) {
        const e = JSON.parse(r.body) as { error: string; message: string };
        assert.match(e.error, /^DAYBOOK_E_SERVER_/, what);
        assert.ok(e.message.length > 20, what);
      }
    }
  }
  assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(401) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0, JSON.stringify([...statuses]));
});

it('an output_file that names a directory of the export directory is a 400', async () => {
  mkdirSync(join(exportDir, 'taken.csv'));
  const post = (outputFile: string) => {
    const body = JSON.stringify({ output_file: outputFile, start_date: '2024-01-01', end_date: '2024-01-31' });
    const head = ['POST /audit/export_logs HTTP/1.1', `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Connection: close'].join('\r\n');
    return rawRequest(port, head, { body });
  };
  const r = await post('taken.csv');
  assert.equal(r.status, 400, r.body);
  const e = JSON.parse(r.body) as { error: string; field: string };
  assert.equal(e.error, 'DAYBOOK_E_SERVER_EXPORT_PATH');
  assert.equal(e.field, 'output_file');
  const ok = await post('out.csv'); // a plain name still exports
  assert.equal(ok.status, 200, ok.body);
});
