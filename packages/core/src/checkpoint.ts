import * as crypto from 'node:crypto';
import { GENESIS, sha256hex } from './chain.js';
import { daybookError } from './errors.js';
import type { FileDriver } from './file-driver.js';

/**
 * Checkpoints: the signed tree heads of a stream (format: CHAIN.md). One JSON line each in
 * `.daybook/<file>.chain`, chained among themselves by `prev` (SHA-256 of the previous
 * record's line) and, with a key, Ed25519-signed, like CloudTrail digest files (which chain
 * by `previousDigestSignature`) and RFC 6962 signed tree heads (size + root + signature).
 * Here the "size" is (gen, line): generation of the file and lines in it.
 */
export type RecordKind = 'start' | 'checkpoint' | 'rotate' | 'prune' | 'close';

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

/**
 * Appends records to one stream's checkpoint file. Records are queued in order and written
 * one after the other (a failed write must not leave a hole before a later one), each
 * followed by fdatasync: a checkpoint is only useful if it survives whatever it vouches for.
 */
export class ChainLog {
  readonly path: string;
  /** The last record about the current file (not a prune) on disk when opened, or appended since. */
  last: CheckpointRecord | undefined;
  private readonly driver: FileDriver;
  private readonly signer: { key: crypto.KeyObject; id: string } | undefined;
  private readonly onError: (e: Error) => void;
  private fd: number;
  private pos: number;
  private prev: string;
  private queue: Promise<void> = Promise.resolve();
  private readonly unconfirmed = new Set<Pending>();
  private closed = false;

  constructor(path: string, driver: FileDriver, signingKey: crypto.KeyObject | undefined, onError: (e: Error) => void) {
    this.path = path;
    this.driver = driver;
    this.onError = onError;
    this.signer = signingKey === undefined ? undefined : { key: signingKey, id: keyId(signingKey) };
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

  private encode(r: Omit<CheckpointRecord, 'v' | 'prev' | 'time' | 'stream' | 'key' | 'sig'> & { stream: string }): Pending {
    const rec = { v: 1 as const, ...r, time: new Date().toISOString(), prev: this.prev };
    const line = encodeRecord(rec, this.signer);
    this.prev = sha256hex(line);
    if (rec.kind !== 'prune') this.last = rec;
    const data = Buffer.from(line + '\n', 'utf8');
    const p = { data, pos: this.pos };
    this.pos += data.length;
    this.unconfirmed.add(p);
    return p;
  }

  append(r: Parameters<ChainLog['encode']>[0]): Promise<void> {
    if (this.closed) return Promise.resolve();
    const p = this.encode(r);
    this.queue = this.queue.then(() => this.writeDurably(p));
    return this.queue;
  }

  private async writeDurably(p: Pending): Promise<void> {
    let delay = 10;
    for (;;) {
      if (!this.unconfirmed.has(p)) return; // written by appendSync meanwhile
      try {
        let off = 0;
        while (off < p.data.length) off += await this.driver.write(this.fd, p.data.subarray(off), p.pos + off);
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
  appendSync(r?: Parameters<ChainLog['encode']>[0]): void {
    if (this.closed) return;
    if (r !== undefined) this.encode(r);
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
