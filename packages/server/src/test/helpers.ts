import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';
import { AuditLogger, EventType } from '@daybook/core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';

const made: string[] = [];
process.once('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function tempDir(prefix = 'daybook-server-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** The time the loggers of these tests write (ms), undefined for the real clock. */
let simulated: number | undefined;

export function logger(dir: string, sessionId = 's1', options: { autoPositionIds?: boolean } = {}): AuditLogger {
  return new AuditLogger({ logDir: dir, environment: 'test', sessionId, consoleLevel: false, clock: () => simulated ?? Date.now(), ...options });
}

/** Runs `f` with the test loggers' clock at `iso`. */
export function atTime<T>(iso: string, f: () => T): T {
  simulated = Date.parse(iso);
  try {
    return f();
  } finally {
    simulated = undefined;
  }
}

/**
 * A small log directory written by core's logger: two days of trades (AAPL, TSLA), API
 * calls, a health check, an error and a risk event. Returns the directory.
 */
export async function fixture(): Promise<string> {
  const dir = tempDir();
  const audit = logger(dir);
  const day = (d: string, pnl: number[], symbol: string): void => {
    for (let i = 0; i < pnl.length; i++) {
      atTime(`${d}T1${i}:00:00.000Z`, () => audit.logTradeEntry({ symbol, side: 'buy', quantity: 10, price: 100, orderId: `e${d}${i}`, strategyName: 'momentum', portfolioValue: 100_000 }));
      atTime(`${d}T1${i}:30:00.000Z`, () => audit.logTradeExit({ symbol, quantity: 10, price: 100 + pnl[i]! / 10, pnl: pnl[i]!, orderId: `x${d}${i}`, reason: pnl[i]! >= 0 ? 'take_profit_hit' : 'stop_loss_hit', strategyName: 'momentum' }));
      atTime(`${d}T1${i}:31:00.000Z`, () => audit.logApiCall({ endpoint: '/v2/orders', method: 'POST', statusCode: i === 2 ? 503 : 200, latencyMs: 20 + i * 10 }));
    }
    atTime(`${d}T20:00:00.000Z`, () => audit.logSystemEvent(EventType.HEALTH_CHECK, 'System health check completed', { metadata: { status: 'healthy' } }));
    atTime(`${d}T21:00:00.000Z`, () => audit.logError('API connection failed', 'alpaca_client', { error: new TypeError('socket hang up') }));
    atTime(`${d}T22:00:00.000Z`, () => audit.logRiskEvent(EventType.PORTFOLIO_HEAT_WARNING, 'High portfolio heat', { portfolioHeat: 0.12 }));
  };
  day('2024-01-15', [550, -200, 120], 'AAPL');
  day('2024-01-16', [-50, 300], 'TSLA');
  await audit.close();
  return dir;
}

/** The events of a directory's audit.log (hash link left out). */
export function auditEvents(dir: string): Record<string, unknown>[] {
  return readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Over a directory with one closed trade: `url` (whose JSON `count` reads the number of
 * trades) is answered without reading the files while nothing changes, and counts a second
 * trade once it is written. Returns the app, closed, for checks of what it did not do.
 */
export async function assertCachedUntilChange(url: string, count: (body: Record<string, unknown>) => unknown): Promise<FastifyInstance> {
  const d = tempDir();
  const audit = logger(d);
  void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 10 });
  await audit.flush();
  const app = await buildApp({ logDir: d, pollMs: 20, maxStaleMs: 0 });
  try {
    const total = async () => count((await app.inject(url)).json() as Record<string, unknown>);
    assert.equal(await total(), 1);
    let loads = 0;
    const load = app.daybook.analyzer.load.bind(app.daybook.analyzer);
    app.daybook.analyzer.load = () => (loads++, load());
    for (let i = 0; i < 20; i++) assert.equal(await total(), 1);
    assert.equal(loads, 0, 'no read while nothing changed');
    void audit.logTradeExit({ symbol: 'AAPL', quantity: 1, price: 1, pnl: 5 });
    await audit.flush();
    for (let i = 0; i < 200 && (await total()) === 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await total(), 2);
  } finally {
    await audit.close();
    await app.close();
  }
  return app;
}

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/**
 * One request over a raw socket on loopback, written byte for byte as given (no client
 * normalises the path: `/%61udit`, `//x` and absolute-form targets reach the server as
 * sent). `head` is the request line and headers without the final blank line. Reads until
 * the server closes, or only the response head when `headOnly` (a stream stays open).
 */
export function rawRequest(port: number, head: string, options: { body?: string; headOnly?: boolean } = {}): Promise<RawResponse & { close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const done = (): void => {
      const i = data.indexOf('\r\n\r\n');
      const headers = i === -1 ? data : data.slice(0, i);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headers)?.[1] ?? 0);
      resolve({ status, headers, body: i === -1 ? '' : data.slice(i + 4), close: () => socket.destroy() });
    };
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`${head}\r\n\r\n${options.body ?? ''}`, 'latin1'));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (options.headOnly === true && data.includes('\r\n\r\n')) {
        socket.removeAllListeners('end');
        done();
      }
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

/**
 * A gzip bomb: `copies` gzip members of 1 MiB of one event line each (gunzip reads
 * concatenated members as one file), ~280x (256 MiB from 0.9 MB), made at once.
 */
export const BOMB_LINE = JSON.stringify({ event_id: 'bomb', timestamp: '2024-01-02T09:00:00Z', level: 'INFO', event_type: 'market_status', message: 'm' }) + '\n';
export function bomb(copies: number, line = BOMB_LINE): Buffer {
  const member = gzipSync(line.repeat(Math.ceil((1 << 20) / line.length)), { level: 9 });
  return Buffer.concat(Array.from({ length: copies }, () => member));
}
