import * as crypto from 'node:crypto';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GENESIS, sha256hex } from './chain.js';
import { daybookError } from './errors.js';
import { writeAll, type FileDriver } from './file-driver.js';

/**
 * Checkpoints: the signed tree heads of a stream (format: CHAIN.md). One JSON line each in
 * `.daybook/<file>.chain`, chained among themselves by `prev` (SHA-256 of the previous
 * record's line) and, with a key, Ed25519-signed, like CloudTrail digest files (which chain
 * by `previousDigestSignature`) and RFC 6962 signed tree heads (size + root + signature).
 * Here the "size" is (gen, line): generation of the file and lines in it.
 */
export type RecordKind = 'start' | 'checkpoint' | 'rotate' | 'prune' | 'close' | 'base' | 'legacy';

export interface CheckpointRecord {
  v: 1;
  kind: RecordKind;
  /** Base name of the stream: `audit.log`. */
  stream: string;
  /** Generation of the file the record is about: the current one, or the one closed (rotate) or deleted (prune). */
  gen: number;
  /** Lines in that file. */
  line: number;
  /** Link of line `line` (GENESIS-side link when the file is empty: the previous file's last). */
  hash: string;
  time: string;
  /** rotate: link of the file's first line, which identifies the file after renames. */
  first?: string;
  /** start: bytes of a torn last line removed on open (a crash, not tampering). */
  repaired?: number;
  /** prune: generation of the backup retention deleted (its lines are gone on purpose). */
  pruned?: number;
  /** base: records the compaction that wrote it removed from the front of the file. */
  dropped?: number;
  /** legacy: bytes of the unchained file the writer moved aside (its lines as they are, uncompressed). */
  bytes?: number;
  /** legacy: SHA-256 (hex) of those bytes: verify accepts exactly that file unchained, and no other. */
  sha256?: string;
  prev: string;
  key?: string;
  sig?: string;
}

export const CHAIN_DIR = '.daybook';

/** First 16 hex digits of SHA-256 over the public key's SPKI DER: names the key in records. */
export function keyId(key: crypto.KeyObject): string {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return sha256hex(pub.export({ type: 'spki', format: 'der' }).toString('latin1')).slice(0, 16);
}

export function toPrivateKey(key: crypto.KeyObject | string | Buffer): crypto.KeyObject {
  let k: crypto.KeyObject;
  try {
    k = typeof key === 'string' || Buffer.isBuffer(key) ? crypto.createPrivateKey(key) : key;
  } catch (e) {
    throw daybookError('DAYBOOK_E_SIGNING_KEY', `signingKey cannot be read (${(e as Error).message})`, e);
  }
  if (k?.type !== 'private' || k.asymmetricKeyType !== 'ed25519') throw daybookError('DAYBOOK_E_SIGNING_KEY', `signingKey is a ${k?.asymmetricKeyType ?? typeof k} ${k?.type ?? ''} key, not an Ed25519 private key`);
  return k;
}

/** The record's line without key and sig: what `prev` hashes chain and what the signature covers. */
function body(r: Omit<CheckpointRecord, 'key' | 'sig'>): string {
  let s = '{"v":1,"kind":"' + r.kind + '","stream":' + JSON.stringify(r.stream) + ',"gen":' + r.gen + ',"line":' + r.line +
    ',"hash":"' + r.hash + '","time":"' + r.time + '"';
  if (r.first !== undefined) s += ',"first":"' + r.first + '"';
  if (r.repaired !== undefined) s += ',"repaired":' + r.repaired;
  if (r.pruned !== undefined) s += ',"pruned":' + r.pruned;
  if (r.dropped !== undefined) s += ',"dropped":' + r.dropped;
  if (r.bytes !== undefined) s += ',"bytes":' + r.bytes;
  if (r.sha256 !== undefined) s += ',"sha256":"' + r.sha256 + '"';
  return s + ',"prev":"' + r.prev + '"}';
}

export function encodeRecord(r: Omit<CheckpointRecord, 'key' | 'sig'>, signer?: { key: crypto.KeyObject; id: string }): string {
  const b = body(r);
  if (signer === undefined) return b;
  const sig = crypto.sign(null, Buffer.from(b, 'utf8'), signer.key).toString('base64');
  return b.slice(0, -1) + ',"key":"' + signer.id + '","sig":"' + sig + '"}';
}

/** The signed body of a written record line, or undefined when it carries no signature. */
export function signedBody(line: string): string | undefined {
  const i = line.lastIndexOf(',"key":"');
  return i < 0 ? undefined : line.slice(0, i) + '}';
}

export function parseRecord(line: string): CheckpointRecord | undefined {
  try {
    const r = JSON.parse(line) as CheckpointRecord;
    if (r === null || typeof r !== 'object' || r.v !== 1 || typeof r.gen !== 'number' || typeof r.line !== 'number' || typeof r.hash !== 'string') return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/**
 * The `i`-th record line (0-based) of a file, which must follow the record whose link is
 * `prev`; or why it is not one. A `base` stands for everything compaction removed before it,
 * so only the first record may be one.
 */
export function readRecord(text: string, i: number, prev: string): CheckpointRecord | string {
  const r = parseRecord(text);
  if (r === undefined) return `checkpoint ${i + 1} is not a checkpoint record`;
  if (r.prev !== prev) return `checkpoint ${i + 1} does not follow the one before it`;
  if (r.kind === 'base' && i > 0) return `checkpoint ${i + 1} is a base record, which only the first record may be`;
  return r;
}

/** Why a record line is not signed by `pub` (whose key id is `id`), or undefined if it is. */
export function signatureFault(text: string, r: CheckpointRecord, pub: crypto.KeyObject, id: string): string | undefined {
  const body = signedBody(text);
  const sig = typeof r.sig === 'string' ? canonicalBase64(r.sig) : undefined;
  if (body !== undefined && sig !== undefined && r.key === id && crypto.verify(null, Buffer.from(body, 'utf8'), pub, sig)) return undefined;
  return r.sig === undefined ? 'not signed' : sig === undefined ? 'signed with a mangled signature' : 'not signed by this key';
}

/**
 * The bytes of a base64 string that is exactly what the signer wrote. Node's decoder skips
 * characters outside the alphabet and a broken padding, so a flipped '=' would decode to the
 * same signature: the last record's signature is covered by no later hash, only by this check.
 */
function canonicalBase64(s: string): Buffer | undefined {
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : undefined;
}

/** The oldest file of a stream still on disk: by its generation, or by the link of its first line (which its rotate record names). */
export type OldestFile = { gen: number } | { first: string };

/** What compacting a record file drops and keeps (CHAIN.md, Compaction). */
interface Compaction {
  base: Omit<CheckpointRecord, 'prev' | 'key' | 'sig'>;
  /** Indexes of the records carried into the new file, in order. */
  keep: number[];
  /** Index of the rotate record whose head the base takes over. */
  from: number;
}

/** The oldest generation records speak of that retention did not delete (Infinity if none). */
function unpruned(records: readonly CheckpointRecord[]): number {
  const pruned = new Set(records.flatMap((r) => (r.kind === 'prune' && r.pruned !== undefined ? [r.pruned] : [])));
  const floor = records[0]?.kind === 'base' ? records[0].gen : 0;
  let oldest = Infinity;
  for (const r of records) if (r.kind !== 'prune' && r.gen >= floor && !pruned.has(r.gen)) oldest = Math.min(oldest, r.gen);
  return oldest;
}

/** The generation a record is about: for a prune, the one deleted. */
const about = (r: CheckpointRecord): number => (r.kind === 'prune' ? (r.pruned ?? r.gen) : r.gen);

/**
 * Keeps the records about generations from the oldest one on disk (G) on, behind a base
 * record that carries the head of generation G-1, which G's first line continues from.
 * Undefined when nothing can be dropped, or G or that head is unknown (the file then stays).
 */
function planCompaction(records: readonly CheckpointRecord[], oldest: OldestFile, time: string): Compaction | undefined {
  const lastIndex = (match: (r: CheckpointRecord) => boolean): number => {
    for (let i = records.length - 1; i >= 0; i--) if (match(records[i]!)) return i;
    return -1;
  };
  const named = 'gen' in oldest ? -1 : lastIndex((r) => r.kind === 'rotate' && r.first === oldest.first);
  const onDisk = 'gen' in oldest ? oldest.gen : named < 0 ? undefined : records[named]!.gen;
  if (onDisk === undefined) return undefined;
  // Only what retention deleted may go: a backup missing without a prune record (deleted by
  // hand) keeps its records, or compaction would sign its absence away and verify could no
  // longer call it missing.
  const gen = Math.min(onDisk, unpruned(records));
  const keep = records.flatMap((r, i) => (about(r) >= gen ? [i] : []));
  // G-1's last line: its rotate record's, unless a record after it counts more lines. The exit
  // path writes what was queued during a rotation into the file the rotate record had closed,
  // then vouches for those lines with a close record (file-sink.ts finalizeSync); G's first line
  // continues from the last of them. verify takes the same head (lastOfGen).
  if (lastIndex((r) => r.kind === 'rotate' && r.gen === gen - 1) < 0) return undefined;
  let from = -1;
  for (const [i, r] of records.entries()) if (r.gen === gen - 1 && r.kind !== 'prune' && r.kind !== 'base' && r.line > 0 && (from < 0 || r.line >= records[from]!.line)) from = i;
  if (keep.length === records.length || from < 0) return undefined;
  const head = records[from]!;
  return { base: { v: 1, kind: 'base', stream: head.stream, gen, line: 0, hash: head.hash, time, dropped: records.length - keep.length }, keep, from };
}

/** Complete lines of a record file and the length of a torn last one (0 if none). */
export function splitLines(text: string): { lines: string[]; torn: number } {
  const end = text.lastIndexOf('\n') + 1;
  const lines = end === 0 ? [] : text.slice(0, end - 1).split('\n');
  return { lines, torn: text.length - end };
}

interface Pending {
  data: Buffer;
  pos: number;
}

type RecordInput = Omit<CheckpointRecord, 'v' | 'prev' | 'time' | 'key' | 'sig'>;

/** A record appended whose turn in the queue has not come: it is encoded then, against the file as it is then. */
interface Waiting {
  r: RecordInput;
  time: string;
}

interface Signer {
  key: crypto.KeyObject;
  pub: crypto.KeyObject;
  id: string;
}

/** Records signed or checked between two turns of the event loop: an Ed25519 signature costs some 50 µs. */
const SLICE = 128;

/**
 * Appends records to one stream's checkpoint file. Records are queued in order and written
 * one after the other (a failed write must not leave a hole before a later one), each
 * followed by fdatasync: a checkpoint is only useful if it survives whatever it vouches for.
 * Compaction is a step of the same queue: a record is encoded (given its `prev`) only when
 * its turn comes, so records appended meanwhile follow the compacted file.
 */
export class ChainLog {
  readonly path: string;
  /** The last record about the current file (not a prune) on disk when opened, or appended since. */
  last: CheckpointRecord | undefined;
  private readonly tmp: string;
  private readonly driver: FileDriver;
  private readonly signer: Signer | undefined;
  private readonly onError: (e: Error) => void;
  private fd: number;
  private pos: number;
  private prev: string;
  private queue: Promise<void> = Promise.resolve();
  private readonly waiting: Waiting[] = [];
  private readonly unconfirmed = new Set<Pending>();
  private closed = false;

  constructor(path: string, driver: FileDriver, signingKey: crypto.KeyObject | undefined, onError: (e: Error) => void) {
    this.path = path;
    this.tmp = path + '.tmp';
    this.driver = driver;
    this.onError = onError;
    this.signer = signingKey === undefined ? undefined : { key: signingKey, pub: crypto.createPublicKey(signingKey), id: keyId(signingKey) };
    // A compaction a crash interrupted before its rename: the file at `path` is still whole.
    try {
      driver.unlinkSync(this.tmp);
    } catch {
      // None left.
    }
    this.fd = driver.openWrite(path);
    const text = driver.readFileSync(path).toString('utf8');
    const { lines, torn } = splitLines(text);
    // A torn record is a crash during its write; it vouched for nothing yet.
    if (torn > 0) driver.truncateSync(this.fd, Buffer.byteLength(text, 'utf8') - Buffer.byteLength(text.slice(text.length - torn), 'utf8'));
    this.pos = driver.size(this.fd);
    const lastLine = lines.length > 0 ? lines[lines.length - 1]! : undefined;
    this.prev = lastLine === undefined ? GENESIS : sha256hex(lastLine);
    for (let i = lines.length - 1; i >= 0 && this.last === undefined; i--) {
      const r = parseRecord(lines[i]!);
      if (r !== undefined && r.kind !== 'prune') this.last = r;
    }
  }

  private encode(w: Waiting): Pending {
    const rec = { v: 1 as const, ...w.r, time: w.time, prev: this.prev };
    const line = encodeRecord(rec, this.signer);
    this.prev = sha256hex(line);
    if (rec.kind !== 'prune') this.last = rec;
    const data = Buffer.from(line + '\n', 'utf8');
    const p = { data, pos: this.pos };
    this.pos += data.length;
    this.unconfirmed.add(p);
    return p;
  }

  /** Runs `task` after everything queued before it; its failure does not stop the queue. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const step = this.queue.then(task);
    this.queue = step.catch(() => {});
    return step;
  }

  append(r: RecordInput): Promise<void> {
    if (this.closed) return Promise.resolve();
    const w = { r, time: new Date().toISOString() };
    this.waiting.push(w);
    return this.enqueue(async () => {
      // appendSync has written it already.
      if (this.waiting[0] !== w) return;
      this.waiting.shift();
      await this.writeDurably(this.encode(w));
    });
  }

  private async writeDurably(p: Pending): Promise<void> {
    let delay = 10;
    for (;;) {
      if (!this.unconfirmed.has(p)) return; // written by appendSync meanwhile
      try {
        await writeAll(this.driver, this.fd, p.data, p.pos);
        await this.driver.fdatasync(this.fd);
        this.unconfirmed.delete(p);
        return;
      } catch (e) {
        this.onError(e as Error);
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** On exit: every queued record and then `r`, written and synced before returning. */
  appendSync(r?: RecordInput): void {
    if (this.closed) return;
    for (const w of this.waiting.splice(0)) this.encode(w);
    if (r !== undefined) this.encode({ r, time: new Date().toISOString() });
    try {
      for (const p of [...this.unconfirmed].sort((a, b) => a.pos - b.pos)) {
        let off = 0;
        while (off < p.data.length) off += this.driver.writeSync(this.fd, p.data.subarray(off), p.pos + off);
        this.unconfirmed.delete(p);
      }
      this.driver.fdatasyncSync(this.fd);
    } catch (e) {
      this.onError(e as Error);
    }
  }

  /**
   * Rewrites the file without the records of generations older than `oldest` (CHAIN.md,
   * Compaction): a new file beside it, synced, renamed over it. Resolves when done or not
   * needed; rejects if it failed, the file then being as it was.
   */
  compact(oldest: OldestFile): Promise<void> {
    return this.enqueue(() => this.rewrite(oldest));
  }

  private async rewrite(oldest: OldestFile): Promise<void> {
    if (this.closed) return;
    const at = this.pos;
    const { lines } = splitLines((await this.driver.readFile(this.path)).toString('utf8'));
    const records = this.chainedRecords(lines);
    const plan = planCompaction(records, oldest, new Date().toISOString());
    if (plan === undefined) return;
    // Re-signing vouches for the records anew: each must verify as what this writer would sign.
    await sliced([plan.from, ...plan.keep], (i) => this.mustBeOwn(lines[i]!, records[i]!, i));
    const out: string[] = [];
    let prev = GENESIS;
    await sliced([plan.base, ...plan.keep.map((i) => records[i]!)], (r) => {
      out.push(encodeRecord({ ...r, prev }, this.signer));
      prev = sha256hex(out[out.length - 1]!);
    });
    const data = Buffer.from(out.join('\n') + '\n', 'utf8');
    const fd = await this.writeTmp(data);
    // The exit path wrote records into the old file meanwhile (or closed it): the new one lacks them.
    if (this.closed || this.pos !== at) return this.discard(fd);
    try {
      // Synchronous, with the switch below: appendSync must never write to a file already renamed over.
      this.driver.renameSync(this.tmp, this.path);
    } catch (e) {
      await this.discard(fd);
      throw e;
    }
    const old = this.fd;
    this.fd = fd;
    this.pos = data.length;
    this.prev = prev;
    void this.driver.close(old).catch(() => {});
    await this.driver.fsyncDir(dirname(this.path));
  }

  /** The file's records, which must chain from the first to the last. */
  private chainedRecords(lines: readonly string[]): CheckpointRecord[] {
    let prev = GENESIS;
    return lines.map((text, i) => {
      const r = readRecord(text, i, prev);
      if (typeof r === 'string') throw compactionError(this.path, r);
      prev = sha256hex(text);
      return r;
    });
  }

  private mustBeOwn(text: string, r: CheckpointRecord, i: number): void {
    const s = this.signer;
    const fault = s !== undefined ? signatureFault(text, r, s.pub, s.id) : r.sig !== undefined ? 'signed, and this writer has no key' : undefined;
    if (fault !== undefined) throw compactionError(this.path, `checkpoint ${i + 1} is ${fault}`);
  }

  private async writeTmp(data: Buffer): Promise<number> {
    // openWrite does not truncate: a longer leftover would keep its tail.
    await this.driver.unlink(this.tmp).catch(() => {});
    const fd = this.driver.openWrite(this.tmp);
    try {
      await writeAll(this.driver, fd, data, 0);
      await this.driver.fdatasync(fd);
      return fd;
    } catch (e) {
      await this.discard(fd);
      throw e;
    }
  }

  private async discard(fd: number): Promise<void> {
    await this.driver.close(fd).catch(() => {});
    await this.driver.unlink(this.tmp).catch(() => {});
  }

  async close(): Promise<void> {
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    await this.driver.close(this.fd).catch(this.onError);
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.driver.closeSync(this.fd);
    } catch (e) {
      this.onError(e as Error);
    }
  }
}

function compactionError(path: string, why: string): Error {
  return daybookError('DAYBOOK_E_CHAIN_COMPACT', `${path} was not compacted: ${why}`);
}

/** Calls `fn` on each item, letting the event loop run every SLICE items. */
async function sliced<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % SLICE === 0) await nextTurn();
    fn(items[i]!);
  }
}
