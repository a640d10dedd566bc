import type { IsSecretKey } from './json.js';

/** Key fragments that mark a secret; matched case-insensitively, ignoring `_`, `-` and `.`. */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'api_key', 'apikey', 'secret', 'password', 'passwd', 'passphrase', 'token', 'authorization',
  'private_key', 'credential', 'cookie', 'session_key', 'signing_key', 'mnemonic', 'seed_phrase',
];

const normalize = (k: string): string => k.toLowerCase().replace(/[-_.\s]/g, '');

/**
 * A key test for metadata redaction: true when a normalized key contains any fragment.
 * `false` switches redaction off. Results are memoized (keys repeat line after line); the
 * memo is bounded so hostile, ever-new keys cannot grow memory.
 */
export function createSecretKeyTest(keys: readonly string[] | false = DEFAULT_REDACT_KEYS): IsSecretKey {
  if (keys === false || keys.length === 0) return () => false;
  const fragments = keys.map(normalize).filter((k) => k.length > 0);
  const memo = new Map<string, boolean>();
  return (key: string): boolean => {
    let hit = memo.get(key);
    if (hit === undefined) {
      const n = normalize(key);
      hit = fragments.some((f) => n.includes(f));
      if (memo.size >= 4096) memo.clear();
      memo.set(key, hit);
    }
    return hit;
  };
}
