import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { verify, type VerifyResult } from '@daybook/core';

// /audit/verify hashes every line of the directory, gunzipping backups in one piece: on a
// gigabyte of logs that is seconds of CPU in long synchronous stretches. In the server's
// thread it held every other request (the dashboard's first page waited for it); in a worker
// it only takes a core. One short-lived worker per check: checks are seconds apart and cached.

interface Job {
  daybookVerify: true;
  dir: string;
  publicKey: string | Buffer | undefined;
}

/** core's verify(dir) in a worker thread; rejects as verify would (an unreadable directory). */
export function verifyOffThread(dir: string, publicKey: string | Buffer | undefined): Promise<VerifyResult> {
  return new Promise((resolve, reject) => {
    const job: Job = { daybookVerify: true, dir, publicKey };
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let settled = false;
    worker.once('message', (m: { result?: VerifyResult; error?: string }) => {
      settled = true;
      if (m.result !== undefined) resolve(m.result);
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
  verify(job.dir, { publicKey: job.publicKey }).then(
    (result) => parentPort!.postMessage({ result }),
    (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
  );
}
