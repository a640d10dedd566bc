import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The command line as the tests run it: a child process of the compiled entry (dist/bin.js).

export const BIN = fileURLToPath(new URL('../bin.js', import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `daybook ARGS`, waited for: the test's process blocks meanwhile. */
export const daybook = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

/**
 * `daybook ARGS` with `env` as its environment, asynchronously: servers the test runs in its
 * own process (a ClickHouse client's answers, a test HTTP server) keep answering meanwhile.
 */
export const run = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> => new Promise((resolve) => {
  const p = spawn(process.execPath, [BIN, ...args], { env });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.on('close', (status) => resolve({ status, stdout, stderr }));
});
