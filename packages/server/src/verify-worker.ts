// Runs core's verify for one directory off the server's thread: it hashes every line it reads
// (6-8 s of CPU for a new 1 GB directory), which on the main thread would stall every other
// request meanwhile.
import { constants } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadPriority, verify, type VerifyCache } from '@daybook/core';

// A status beside the figures: the reports' reads (and the bot, on a shared machine) go first.
setThreadPriority(constants.priority.PRIORITY_LOW);

// The cache (what earlier checks learned of the backups) comes in with the job and goes back,
// filled, with the result: the caller keeps it for the next worker.
const { dir, publicKey, cache } = workerData as { dir: string; publicKey: string | Uint8Array | undefined; cache: VerifyCache };
verify(dir, { publicKey: publicKey === undefined || typeof publicKey === 'string' ? publicKey : Buffer.from(publicKey), cache }).then(
  (result) => parentPort!.postMessage({ result, cache }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
