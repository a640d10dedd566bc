/** Whether a metadata key (or a URL parameter's name) names a secret. */
export type IsSecretKey = (key: string) => boolean;

/**
 * What marks a secret in a key, after normalization (keyWords). Fragments of 5 letters or more
 * match anywhere in the key (`password` in `userPassword`, `dbpassword`); shorter ones only
 * as whole words of it (`pin` in `user_pin` and `PIN`, not in `pinned_at` or `spin`; `auth` in
 * `auth_header`, not in `author`): three or four letters inside a word are too often
 * something else.
 *
 * `signature` and `sig` are here for the request signatures of exchange APIs (an HMAC that
 * proves the API secret); a bot that logs public transaction signatures under that name
 * passes its own list, e.g. `DEFAULT_REDACT_KEYS.filter((k) => k !== 'signature')`.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'api_key', 'apikey', 'secret', 'password', 'passwd', 'passphrase', 'token', 'authorization',
  'private_key', 'credential', 'cookie', 'session_key', 'signing_key', 'mnemonic', 'seed_phrase',
  'privkey', 'access_key', 'bearer', 'signature',
  // short: whole words only
  'pwd', 'pass', 'pin', 'otp', 'jwt', 'auth', 'seed', 'sig',
];

/** Fragments of this many characters or fewer match whole words only. */
const SHORT = 4;

/** Zero-width and other invisible format characters (Cf): `pass\u200bword` is `password` to a reader. */
const FORMAT = /\p{Cf}/gu;
/** Words of a key: `APIKey` -> API, Key; `x-api-key` -> x, api, key; `pin2` -> pin, 2. */
const WORD = /\p{Lu}+(?!\p{Ll})|\p{Lu}?\p{Ll}+|[\p{L}\p{M}]+|\p{N}+/gu;

/**
 * The lower-case words of a key, as a reader would see them: full-width letters folded (NFKC:
 * `ｐａｓｓｗｏｒｄ` is `password`), invisible characters removed, split at separators and at
 * camelCase and digit boundaries. Homoglyphs from other scripts (a Cyrillic `а`) are not
 * folded: no normalization form does, and a key is written by the bot's own code.
 */
export function keyWords(key: string): string[] {
  const words = key.normalize('NFKC').replace(FORMAT, '').match(WORD);
  if (words === null) return [];
  for (let i = 0; i < words.length; i++) words[i] = words[i]!.toLowerCase();
  return words;
}

/** True when consecutive words, joined, equal `f` exactly. */
function isWordRun(words: readonly string[], f: string): boolean {
  for (let i = 0; i < words.length; i++) {
    let run = '';
    for (let j = i; j < words.length && run.length < f.length; j++) run += words[j];
    if (run === f) return true;
  }
  return false;
}

/** Longest key tested; a longer one is tested by its start (keys are cut to less when written). */
const MAX_TESTED_KEY = 1024;

/**
 * A key test for redaction: the key's words (keyWords) against the fragments, short ones as
 * whole words, long ones anywhere. `false` switches redaction by key off. Results are
 * memoized (keys repeat line after line); the memo is bounded so hostile, ever-new keys
 * cannot grow memory.
 */
export function createSecretKeyTest(keys: readonly string[] | false = DEFAULT_REDACT_KEYS): IsSecretKey {
  if (keys === false || keys.length === 0) return () => false;
  const long: string[] = [];
  const short: string[] = [];
  for (const k of keys) {
    const f = keyWords(k).join('');
    if (f.length > SHORT) long.push(f);
    else if (f.length > 0) short.push(f);
  }
  const memo = new Map<string, boolean>();
  return (key: string): boolean => {
    let hit = memo.get(key);
    if (hit === undefined) {
      const words = keyWords(key.length > MAX_TESTED_KEY ? key.slice(0, MAX_TESTED_KEY) : key);
      const joined = words.join('');
      hit = long.some((f) => joined.includes(f)) || short.some((f) => isWordRun(words, f));
      if (memo.size >= 4096) memo.clear();
      memo.set(key, hit);
    }
    return hit;
  };
}

// ---- secrets in values ------------------------------------------------------------------------

export const REDACTED = '[REDACTED]';

/**
 * A string that may hold a secret shape, or need JSON escaping: one character class over the
 * string, as cheap as the escaping test it replaces (quote), so a clean string costs one
 * scan. Besides the characters to escape it fires on a character every shape holds: `=` (URL
 * parameters, `key=value`), `"` (a JSON body), `/` (`scheme://user:password@`), `J` (a JWT's
 * `eyJ`) and `B` (`-----BEGIN`, `Bearer `, `Basic `); maskSecrets then looks closer. A lower-case
 * `bearer` is caught by `suspect` below; a lower-case `basic` credential alone is not. Literal alternatives (`|eyJ|://|Bearer\s|…`) made the scan of a clean
 * string 1.3 to 2.5 times the escape test's: 4 to 8% of a serialized trade.
 */
const SUSPECT = /[\u0000-\u001f"\\\u007f-\u009f\u2028\u2029\ud800-\udfff=/BJ]/;

/**
 * Whether `s` needs escaping or may hold a secret shape: SUSPECT, or a lower-case `bearer`
 * (a header written by hand, an Error message quoting one), which the character class cannot
 * see without taking every `b`. One more substring search, as cheap as the class's scan.
 */
export function suspect(s: string): boolean {
  return SUSPECT.test(s) || s.includes('bearer');
}

/** PEM private keys of any kind (RSA, EC, ENCRYPTED, OPENSSH ...); certificates and public keys are not secret. */
const PEM = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** A JWT (or JWS/JWE): base64url JSON header `{"` = `eyJ`, then dot-separated parts. */
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** Either authorization scheme, for one test before the two replaces. */
const SCHEME = /[Bb](?:earer|EARER|asic|ASIC)\s/;
/** `Bearer <token>`: a token of 8+ characters with a digit (a word such as "Bearer authentication" is not one). */
const BEARER = /\b([Bb][Ee][Aa][Rr][Ee][Rr]\s+)([A-Za-z0-9\-._~+/]*[0-9][A-Za-z0-9\-._~+/]*=*)/g;
/** `Basic <base64>`: masked when it decodes to `user:password` ("Basic strategy" does not). */
const BASIC = /\b([Bb][Aa][Ss][Ii][Cc]\s+)([A-Za-z0-9+/]{6,}={0,2})/g;
/** `name=value` in a URL query or fragment (OAuth's implicit flow puts `#access_token=` there), a form body or free text. */
const PARAM = /(^|[?&;,#\s])([A-Za-z0-9_.\-[\]]{1,64})=([^&#;,\s"'<>]+)/g;
/** `"name": "value"` in JSON text carried as a string (a request or response body in an error). */
const JSON_PAIR = /"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/** `scheme://user:password@host`. */
const USERINFO = /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@/?#\s]+)(@)/g;

function isBasicCredential(b64: string): boolean {
  const text = Buffer.from(b64, 'base64').toString('latin1');
  return text.includes(':') && /^[\x20-\x7e]+$/.test(text);
}

/**
 * `s` with the secret shapes in it replaced by [REDACTED]: PEM private keys, JWTs, Bearer and
 * Basic credentials, URL parameters and `name=value` / JSON pairs whose name is a secret's
 * (by `isSecret`, the key test), and passwords in URLs. Call it only when `suspect(s)`.
 *
 * Not masked: bare hex or base58 strings. A 64-digit hex string is as often a hash (the
 * chain's own, a transaction's) as a private key, and a base58 private key has the length of
 * a Solana transaction signature; masking them would cut the audit trail's identifiers. Such
 * keys are caught by the name they are logged under (private_key, secret, seed, mnemonic).
 */
export function maskSecrets(s: string, isSecret: IsSecretKey): string {
  if (s.includes('-----BEGIN')) s = s.replace(PEM, (_m, kind: string) => `-----BEGIN ${kind}-----${REDACTED}-----END ${kind}-----`);
  if (s.includes('eyJ')) s = s.replace(JWT, REDACTED);
  if (SCHEME.test(s)) {
    s = s.replace(BEARER, (_m, pre: string) => pre + REDACTED);
    s = s.replace(BASIC, (m, pre: string, b64: string) => (isBasicCredential(b64) ? pre + REDACTED : m));
  }
  if (s.includes('=')) s = s.replace(PARAM, (m, pre: string, name: string, value: string) => (value !== REDACTED && isSecret(name) ? `${pre}${name}=${REDACTED}` : m));
  if (s.includes('"')) s = s.replace(JSON_PAIR, (m, name: string, colon: string) => (isSecret(name) ? `"${name}"${colon}"${REDACTED}"` : m));
  if (s.includes('://')) s = s.replace(USERINFO, (_m, pre: string, _pw: string, at: string) => pre + REDACTED + at);
  return s;
}
