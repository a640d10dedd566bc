import { request } from 'node:http';

export interface Sse {
  events: { id: string; data: Record<string, unknown> }[];
  close(): void;
  /** Resolves once `n` events arrived. */
  until(n: number): Promise<void>;
}

/** A minimal SSE client over node:http (real socket on loopback). */
export function sseClient(url: string, headers: Record<string, string> = {}): Promise<Sse> {
  return new Promise((resolve, reject) => {
    const events: Sse['events'] = [];
    const waiters: (() => void)[] = [];
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) !== -1) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as Record<string, unknown> });
          for (const w of waiters.splice(0)) w();
        }
      });
      resolve({
        events,
        close: () => req.destroy(),
        until: (n) => new Promise<void>((ok) => {
          const check = (): void => (events.length >= n ? ok() : void waiters.push(check));
          check();
        }),
      });
    });
    req.on('error', () => undefined);
    req.end();
  });
}

