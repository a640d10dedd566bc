// Talks to the /audit REST API of `daybook serve`. The token (if the server asks for one) is
// asked once and kept in sessionStorage for the tab's life.
import { scoped } from './scope.js';

const TOKEN_KEY = 'daybook.token';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The server could not be reached at all (connection refused, DNS, CORS...). */
export class UnreachableError extends Error {}

export type Params = Record<string, string | number | undefined>;

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null || token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

export function authHeaders(): Record<string, string> {
  const t = getToken();
  return t === null ? {} : { authorization: `Bearer ${t}` };
}

export function url(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

/** GET `path` as JSON; `inScope` (default) adds the fleet's bot and host filters (scope.ts). */
export async function getJson<T>(path: string, params: Params = {}, signal?: AbortSignal, inScope = true): Promise<T> {
  signal?.throwIfAborted();
  let res: Response;
  try {
    res = await fetch(url(path, inScope ? scoped(params) : params), { headers: { accept: 'application/json', ...authHeaders() }, signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new UnreachableError(e instanceof Error ? e.message : String(e));
  }
  if (!res.ok) {
    let message = res.statusText;
    try {
      const body = (await res.json()) as { message?: string; error?: string };
      message = body.message ?? body.error ?? message;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}
