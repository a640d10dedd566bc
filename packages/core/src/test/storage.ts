import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { splitLink } from '../chain.js';
import { nodeFileDriver, type FileDriver } from '../file-driver.js';
import { listBackups, backupName } from '../rotation.js';

export const CHILD = fileURLToPath(new URL('./storage-child.js', import.meta.url));

export function startChild(mode: string, dir: string, count = 100, env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [CHILD, mode, dir, String(count)], { stdio: ['ignore', 'pipe', 'pipe'], env });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Sends `signal` to the child `delayMs` after it printed `ready`; every other line of its output goes to `onLine`. Resolves once it has exited. */
export function killAfterReady(child: ChildProcess, signal: NodeJS.Signals, delayMs: number, onLine: (line: string) => void): Promise<void> {
  let buf = '';
  let ready = false;
  return new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l === 'ready') {
          if (!ready) setTimeout(() => child.kill(signal), delayMs);
          ready = true;
        } else onLine(l);
      }
    });
    child.on('close', () => resolve());
  });
}

/** Every complete line of a stream, oldest file first, backups decompressed, links removed. */
export function streamLines(dir: string, base: string): string[] {
  const names = readdirSync(dir);
  const out: string[] = [];
  const files = listBackups(names, base).filter((b) => b.plain || b.gz).reverse().map((b) => ({ name: backupName(base, b), gz: b.gz }));
  if (names.includes(base)) files.push({ name: base, gz: false });
  for (const f of files) {
    const raw = readFileSync(join(dir, f.name));
    const text = (f.gz ? gunzipSync(raw) : raw).toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) continue;
    for (const line of text.slice(0, end).split('\n')) out.push(splitLink(line)?.content ?? line);
  }
  return out;
}

/**
 * The real driver, noting the files it opens to write whose names end with `suffix`: their
 * paths in order, and their descriptors, for a test that then holds or fails calls on them alone.
 */
export function notingOpens(suffix: string): { driver: FileDriver; fds: Set<number>; paths: string[] } {
  const fds = new Set<number>();
  const paths: string[] = [];
  const openWrite = (path: string): number => {
    const fd = nodeFileDriver.openWrite(path);
    if (path.endsWith(suffix)) {
      fds.add(fd);
      paths.push(path);
    }
    return fd;
  };
  return { driver: { ...nodeFileDriver, openWrite }, fds, paths };
}

/** The error a failing system call gives, as a wrapped driver injects it. */
export function fault(code: string, what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected ${what} fault`), { code });
}
