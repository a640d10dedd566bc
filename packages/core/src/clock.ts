// The timestamp of every line. Date#toISOString allocates a Date and formats all seven
// fields; within one second only the milliseconds change, so the rest is cached.
let cachedSecond = -1;
let cachedPrefix = '';
const MS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0') + 'Z');

/** ISO-8601 UTC with milliseconds and `Z`, the same text as `new Date(ms).toISOString()`. */
export function isoTimestamp(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return cachedPrefix + MS[ms - second * 1000];
}
