import { ServerError } from './errors.js';
import type { Position } from './event-index.js';

// A cursor (and an SSE event id) is a position in the event index: the file's identity
// (prefixed for a stream's tail index, see EventIndexOptions), the row in it, and the row's time (to find the place again if the file was compressed
// into a new one). Opaque to clients: base64url of a small JSON array.

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.file, p.row, p.ts])).toString('base64url');
}

export function decodeCursor(text: string, field: string): Position {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3) {
      const [file, row, ts] = v as unknown[];
      if (typeof file === 'string' && /^(t\d+:)?\d+:\d+$/.test(file) && Number.isSafeInteger(row) && (row as number) >= 0 && typeof ts === 'number' && Number.isFinite(ts)) {
        return { file, row: row as number, ts };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new ServerError('DAYBOOK_E_SERVER_BAD_CURSOR', `${field} is not a cursor this server issued`, { field });
}
