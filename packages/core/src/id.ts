import { randomFillSync } from 'node:crypto';

// UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter (method 1 of §6.2) so
// ids made in the same millisecond still sort in creation order, then 62 random bits.
// Random bytes come from a pooled buffer: one randomFillSync per 512 ids, not one per id.
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const DIGIT = '0123456789abcdef';
const POOL = Buffer.allocUnsafe(4096);
let poolOffset = POOL.length;
let lastMs = -1;
let counter = 0;
let timeHex = '';

/** A new UUIDv7 string, strictly increasing within this process. */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
    timeHex = lastMs.toString(16).padStart(12, '0');
    timeHex = timeHex.slice(0, 8) + '-' + timeHex.slice(8, 12) + '-7';
  } else if (++counter > 0xfff) {
    // 4096 ids in one millisecond (or a clock that stepped back): borrow the next
    // millisecond rather than repeat or reorder an id.
    lastMs++;
    counter = 0;
    timeHex = lastMs.toString(16).padStart(12, '0');
    timeHex = timeHex.slice(0, 8) + '-' + timeHex.slice(8, 12) + '-7';
  }
  if (poolOffset + 8 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const b = POOL;
  const p = poolOffset;
  poolOffset = p + 8;
  return (
    timeHex + DIGIT[counter >> 8] + HEX[counter & 0xff] + '-' +
    HEX[0x80 | (b[p]! & 0x3f)] + HEX[b[p + 1]!] + '-' +
    HEX[b[p + 2]!] + HEX[b[p + 3]!] + HEX[b[p + 4]!] + HEX[b[p + 5]!] + HEX[b[p + 6]!] + HEX[b[p + 7]!]
  );
}

/** The millisecond timestamp a UUIDv7 carries. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
