// Test kit of the notifications: a clock the test moves, receivers that are real HTTP servers
// on loopback (answering, failing, hanging, hanging up), an audit that records.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, AlertAudit, Receiver, Route, Silence } from '../types.js';
import type { Clock } from '../notify/clock.js';
import { fingerprint } from '../notify/labels.js';

export const T0 = Date.parse('2026-09-15T12:00:00Z');

export class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /**
   * Moves to `t + ms`, firing each timer due on the way at its instant, and after each lets the
   * dispatcher finish what the timer started (`settle`): a retry's backoff starts after its
   * attempt failed, on the network, so the next timer may only exist after settling.
   */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

export type Behaviour = 'ok' | 'hang' | 'close' | number;

export interface TestReceiver {
  url: string;
  requests: Array<{ headers: IncomingHttpHeaders; body: any; text: string }>;
  close(): Promise<void>;
}

/** A receiver on loopback; `behave(n)` says how it answers its n-th request (0-based). */
export async function startReceiver(behave: (n: number) => Behaviour = () => 'ok'): Promise<TestReceiver> {
  const requests: TestReceiver['requests'] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const n = requests.length;
      requests.push({ headers: req.headers, body: JSON.parse(text), text });
      const b = behave(n);
      if (b === 'hang') hung.push(res);
      else if (b === 'close') req.socket.destroy();
      else if (b === 'ok') res.end('ok');
      else res.writeHead(b).end(`status ${b}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export interface AuditRecord {
  firing: Alert[];
  resolved: Alert[];
  notifications: Array<Parameters<AlertAudit['notification']>[0]>;
  silences: Array<{ silence: Silence; action: string }>;
}

export function recordingAudit(): AlertAudit & { records: AuditRecord } {
  const records: AuditRecord = { firing: [], resolved: [], notifications: [], silences: [] };
  return {
    records,
    firing: (a) => void records.firing.push(a),
    resolved: (a) => void records.resolved.push(a),
    notification: (n) => void records.notifications.push(n),
    silence: (silence, action) => void records.silences.push({ silence, action }),
  };
}

export function receiver(url: string, more: Partial<Receiver> = {}): Receiver {
  return { name: 'ops', url, format: 'alertmanager', timeoutMs: 5000, maxAttempts: 3, maxPerMinute: 0, sendResolved: true, ...more };
}

export const ROUTE: Route = { groupBy: ['alertname'], groupWait: 30_000, groupInterval: 300_000, repeatInterval: 4 * 3600_000 };

/** An alert as the evaluator hands it over: firing since `activeAt`, or resolved at `resolvedAt`. */
export function alert(name: string, extra: Record<string, string>, at: { activeAt: number; resolvedAt?: number }, value = 12): Alert {
  const labels = { alertname: name, severity: 'critical', ...extra };
  const resolved = at.resolvedAt !== undefined;
  return {
    name, state: resolved ? 'inactive' : 'firing', value, threshold: 10, labels,
    annotations: { summary: `${value} errors in the last hour` },
    since: new Date(resolved ? at.resolvedAt! : at.activeAt).toISOString(),
    activeAt: new Date(at.activeAt).toISOString(),
    resolvedAt: resolved ? new Date(at.resolvedAt!).toISOString() : null,
    fingerprint: fingerprint(labels),
  };
}

export const noSilences = { silencing: () => undefined };
