import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { VerifyCache, VerifyResult } from '@daybook/core';
import { ServerError } from './errors.js';

/**
 * What /audit/verify checks, as text that changes whenever it does: name, inode, size, mtime
 * and ctime of every file of the directories and of their `.daybook/` (checkpoints). An edit
 * in place changes ctime even when it keeps size and mtime.
 */
export function filesSignature(dirs: readonly string[]): string {
  const parts: string[] = [];
  for (const dir of dirs) {
    for (const d of [dir, join(dir, '.daybook')]) {
      let names: string[];
      try {
        names = readdirSync(d).sort();
      } catch {
        parts.push(`${d}:missing`);
        continue;
      }
      for (const n of names) {
        try {
          const s = statSync(join(d, n));
          if (s.isFile()) parts.push(`${d}/${n}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`);
        } catch {
          // gone between readdir and stat (rotation): the next call sees the new state
        }
      }
    }
  }
  return parts.join('|');
}

/**
 * The /audit/verify answer (the hash chain of every line: 6-8 s of CPU for a 1 GB directory
 * the first time, about 0.5 s once its backups are known), kept for as long as the files are the same, so page loads and the
 * dashboard's minute poll reuse it; while a bot writes, recomputed at most every `minMs`.
 * Each verification runs in a worker thread, so that the other routes keep answering; what it
 * learned of each directory's backups (core's VerifyCache) outlives the short-lived worker, so
 * the next one re-reads only the current files and what changed.
 */
export class VerifyResults {
  private last: { signature: string; at: number; value: Buffer } | undefined;
  private running: Promise<Buffer> | undefined;
  private readonly workers = new Set<Worker>();
  private readonly backups = new Map<string, VerifyCache>();

  constructor(
    private readonly dirs: readonly string[],
    private readonly publicKey: string | Buffer | undefined,
    private readonly minMs = 5000,
  ) {}

  get(): Promise<Buffer> {
    const signature = filesSignature(this.dirs);
    const last = this.last;
    if (last !== undefined && (last.signature === signature || Date.now() - last.at < this.minMs)) return Promise.resolve(last.value);
    this.running ??= this.compute(signature).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async compute(signature: string): Promise<Buffer> {
    const at = Date.now();
    const results = await Promise.all(this.dirs.map((d) => this.verifyDir(d)));
    const checkedAt = new Date().toISOString();
    const body = results.length === 1 ? { ...results[0]!, checked_at: checkedAt } : { ok: results.every((r) => r.ok), dirs: results.map((r, i) => ({ dir: this.dirs[i], ...r })), checked_at: checkedAt };
    const value = Buffer.from(JSON.stringify(body));
    this.last = { signature, at, value };
    return value;
  }

  private verifyDir(dir: string): Promise<VerifyResult> {
    return new Promise((resolve, reject) => {
      const fail = (message: string) => reject(new ServerError('DAYBOOK_E_SERVER_LOG_DIR', `cannot verify ${dir} (${message})`));
      const worker = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: { dir, publicKey: this.publicKey, cache: this.backups.get(dir) ?? {} } });
      this.workers.add(worker);
      worker.once('message', (m: { result?: VerifyResult; cache?: VerifyCache; error?: string }) => {
        if (m.result === undefined) return fail(m.error ?? 'unknown error');
        if (m.cache !== undefined) this.backups.set(dir, m.cache);
        resolve(m.result);
      });
      worker.once('error', (e) => fail(e.message));
      worker.once('exit', (code) => {
        this.workers.delete(worker);
        fail(`the verification stopped (exit code ${code})`); // no effect once it answered
      });
    });
  }

  /** What the last check of `dir` learned of its backups (`reused`: those it did not read again). */
  backupsOf(dir: string): VerifyCache | undefined {
    return this.backups.get(dir);
  }

  /** Stops verifications under way (the server is closing). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }
}
