// Runs core's verify for one directory off the server's thread: it hashes every line (about
// 8 s of CPU for 1 GB), which on the main thread would stall every other request meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import { verify } from '@daybook/core';

const { dir, publicKey } = workerData as { dir: string; publicKey: string | Uint8Array | undefined };
verify(dir, { publicKey: publicKey === undefined || typeof publicKey === 'string' ? publicKey : Buffer.from(publicKey) }).then(
  (result) => parentPort!.postMessage({ result }),
  (e: unknown) => parentPort!.postMessage({ error: e instanceof Error ? e.message : String(e) }),
);
