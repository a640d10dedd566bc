import * as fs from 'node:fs';

/**
 * The only code that touches log files. Tests wrap it to inject faults that a real disk
 * cannot be made to produce on demand (ENOSPC, EIO) while still calling the real functions.
 *
 * Writes are positional (pwrite): the writer owns the file (lock.ts) and tracks the offset
 * itself, so re-writing a chunk whose async write may or may not have landed (exit while a
 * write is in the thread pool) is idempotent instead of duplicating lines.
 */
export interface FileDriver {
  /** Opens for writing at explicit positions, creating the file (no O_APPEND: pwrite must honour the offset). */
  openWrite(path: string): number;
  /** Creates a file that must not exist yet (O_EXCL): lock files. */
  openExclusive(path: string): number;
  /** Opens for reading without blocking: a FIFO named like a log file must not hang a reader (identity().regular tells what it is). */
  openRead(path: string): number;
  write(fd: number, data: Buffer, position: number): Promise<number>;
  writeSync(fd: number, data: Buffer, position: number): number;
  /** Reads up to buffer.length bytes at `position`; 0 at the end of the file. */
  read(fd: number, buffer: Buffer, position: number): Promise<number>;
  readSync(fd: number, buffer: Buffer, position: number): number;
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  truncateSync(fd: number, length: number): void;
  size(fd: number): number;
  /** What tells one version of a file from another without reading it (verify's cache). */
  identity(fd: number): FileIdentity;
  close(fd: number): Promise<void>;
  closeSync(fd: number): void;
  rename(from: string, to: string): Promise<void>;
  /** A rename and the switch to the renamed file in one step of the event loop: no exit path can run between them (checkpoint compaction). */
  renameSync(from: string, to: string): void;
  unlink(path: string): Promise<void>;
  unlinkSync(path: string): void;
  readdir(dir: string): Promise<string[]>;
  readdirSync(dir: string): string[];
  /** Undefined when the file does not exist. */
  stat(path: string): Promise<{ size: number; mtimeMs: number } | undefined>;
  readFile(path: string): Promise<Buffer>;
  readFileSync(path: string): Buffer;
  /** Makes renames and creations in a directory durable. */
  fsyncDir(dir: string): Promise<void>;
  mkdirSync(dir: string): void;
}

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** False for a FIFO, socket, device or directory: nothing a log file can be. */
  regular?: boolean;
}

/** Writes all of `data` at `position`: a write may take fewer bytes than it was given. */
export async function writeAll(driver: FileDriver, fd: number, data: Buffer, position: number): Promise<void> {
  for (let off = 0; off < data.length; ) off += await driver.write(fd, off === 0 ? data : data.subarray(off), position + off);
}

const cb = <T>(fn: (done: (err: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

export const nodeFileDriver: FileDriver = {
  openWrite: (path) => fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644),
  openExclusive: (path) => fs.openSync(path, 'wx', 0o644),
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; on a
  // regular file it changes nothing.
  openRead: (path) => fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK),
  write: (fd, data, position) => cb<number>((done) => fs.write(fd, data, 0, data.length, position, done)),
  writeSync: (fd, data, position) => fs.writeSync(fd, data, 0, data.length, position),
  read: (fd, buffer, position) => cb<number>((done) => fs.read(fd, buffer, 0, buffer.length, position, done)),
  readSync: (fd, buffer, position) => fs.readSync(fd, buffer, 0, buffer.length, position),
  fdatasync: (fd) => cb<void>((done) => fs.fdatasync(fd, done)),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  truncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  size: (fd) => fs.fstatSync(fd).size,
  identity: (fd) => {
    const st = fs.fstatSync(fd);
    return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, regular: st.isFile() };
  },
  close: (fd) => cb<void>((done) => fs.close(fd, done)),
  closeSync: (fd) => fs.closeSync(fd),
  rename: (from, to) => cb<void>((done) => fs.rename(from, to, done)),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlink: (path) => cb<void>((done) => fs.unlink(path, done)),
  unlinkSync: (path) => fs.unlinkSync(path),
  readdir: (dir) => cb<string[]>((done) => fs.readdir(dir, done)),
  readdirSync: (dir) => fs.readdirSync(dir),
  stat: (path) =>
    new Promise((resolve, reject) =>
      fs.stat(path, (err, st) => (err ? (err.code === 'ENOENT' ? resolve(undefined) : reject(err)) : resolve({ size: st.size, mtimeMs: st.mtimeMs })))),
  readFile: (path) => cb<Buffer>((done) => fs.readFile(path, done)),
  readFileSync: (path) => fs.readFileSync(path),
  fsyncDir: (dir) =>
    cb<number>((done) => fs.open(dir, 'r', done)).then((fd) =>
      cb<void>((done) => fs.fsync(fd, done)).finally(() => fs.close(fd, () => {})),
    ),
  mkdirSync: (dir) => void fs.mkdirSync(dir, { recursive: true }),
};
