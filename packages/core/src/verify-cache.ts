import type { FileIdentity } from './file-driver.js';

/**
 * What a verify remembers of the backups it found clean, so that the next verify of the same
 * directory can skip re-reading them. A plain object (JSON and structured-clone safe): a
 * server keeps it between checks and hands it to a worker thread and back.
 *
 * A backup's check is reused only if nothing it depended on changed: the file's identity
 * (device, inode, size, mtime and ctime: a byte flipped and the mtime put back with
 * `touch -r` still moves the ctime, which no user can set back), and its context: the link it
 * continued from, its generation, whether its first link was taken on trust, the checkpoint
 * records of its generation and the public key. Anything else is read again, so a result with
 * the cache is the result without it.
 */
export interface VerifyCache {
  /** The directory the entries are about: a cache handed a different directory starts over. */
  dir?: string;
  /** By file name (relative to the directory). */
  files?: Record<string, CachedFile>;
  /** The backups the last verify took from the cache instead of reading them. */
  reused?: string[];
}

export interface CachedFile {
  id: FileIdentity;
  context: string;
  lines: number;
  chained: boolean;
  first: string | undefined;
  next: string | undefined;
  /** Fingerprints of its event ids (verify-events.ts), base64: the duplicate check needs them without reading the file. */
  ids?: string;
}

/**
 * A file changed this recently might change again within the same tick of the file system's
 * clock (timestamps are coarse, a jiffy on Linux) after we looked at it, leaving its identity as
 * we recorded it: such a file is not remembered (git's "racily clean" entries, the same way).
 */
const RACY_MS = 1000;

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** One verify's view of the cache: lookups in the old entries, the new entries built as it goes. */
export class CacheSession {
  private readonly old: Record<string, CachedFile>;
  private readonly fresh: Record<string, CachedFile> = {};
  private readonly reused = new Set<string>();

  constructor(private readonly cache: VerifyCache | undefined, dir: string) {
    this.old = cache !== undefined && cache.dir === dir ? (cache.files ?? {}) : {};
  }

  /** The entry for `name` if the file is the one it describes (its first link is then known). */
  same(name: string, id: FileIdentity | undefined): CachedFile | undefined {
    const e = this.old[name];
    return e !== undefined && id !== undefined && sameIdentity(e.id, id) ? e : undefined;
  }

  /** The entry for `name` if its check can be reused as is in `context`. */
  reuse(name: string, id: FileIdentity | undefined, context: string): CachedFile | undefined {
    const e = this.same(name, id);
    if (e === undefined || e.context !== context) return undefined;
    this.fresh[name] = e;
    this.reused.add(name);
    return e;
  }

  /** Remembers a clean check of `name`, read when its identity was `id`. */
  store(name: string, id: FileIdentity | undefined, seenAt: number, e: Omit<CachedFile, 'id'>): void {
    if (id === undefined || seenAt - Math.max(id.mtimeMs, id.ctimeMs) < RACY_MS) return;
    this.fresh[name] = { id, ...e };
  }

  /** Replaces the cache's entries: files not seen by this verify are forgotten. */
  save(dir: string): void {
    if (this.cache === undefined) return;
    this.cache.dir = dir;
    this.cache.files = this.fresh;
    this.cache.reused = [...this.reused];
  }
}
