import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { verify, type VerifyCache, type VerifyResult } from '@daybook/core';

// /audit/verify hashes every line of the directory, gunzipping backups in one piece: on a
// gigabyte of logs that is seconds of CPU in long synchronous stretches. In the server's
// thread it held every other request (the dashboard's first page waited for it); in a worker
// it only takes a core. One short-lived worker per check: checks are seconds apart and cached.
// What a check learns of the backups (core's VerifyCache) outlives the worker: the caller keeps
// it and hands it to the next one, which then re-reads only what changed (the current files).

interface Job {
  daybookVerify: true;
  dir: string;
  publicKey: string | Buffer | undefined;
  cache: VerifyCache;
}

interface Answer {
  result?: VerifyResult;
  cache?: VerifyCache;
  error?: string;
}

/**
 * core's verify(dir) in a worker thread, with `cache` from the previous check of `dir` (`{}`
 * the first time); resolves with the result and the cache for the next check. Rejects as
 * verify would (an unreadable directory).
 */
export function verifyOffThread(dir: string, publicKey: string | Buffer | undefined, cache: VerifyCache): Promise<{ result: VerifyResult; cache: VerifyCache }> {
  return new Promise((resolve, reject) => {
    const job: Job = { daybookVerify: true, dir, publicKey, cache };
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let settled = false;
    worker.once('message', (m: Answer) => {
      settled = true;
      if (m.result !== undefined) resolve({ result: m.result, cache: m.cache ?? {} });
      else reject(new Error(m.error));
    });
    worker.once('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the verify worker stopped (exit code ${code}) before answering`));
    });
  });
}

if (!isMainThread && (workerData as Job | undefined)?.daybookVerify === true) {
  const job = workerData as Job;
  verify(job.dir, { publicKey: job.publicKey, cache: job.cache }).then(
    (result) => parentPort!.postMessage({ result, cache: job.cache } satisfies Answer),
    (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies Answer),
  );
}
