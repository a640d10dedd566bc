import * as fs from 'node:fs';

/**
 * The only code that touches log files. Tests wrap it to inject faults that a real disk
 * cannot be made to produce on demand (ENOSPC, EIO) while still calling the real functions.
 */
export interface FileDriver {
  openAppend(path: string): number;
  write(fd: number, data: Buffer): Promise<number>;
  writeSync(fd: number, data: Buffer): number;
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  size(fd: number): number;
  close(fd: number): Promise<void>;
  closeSync(fd: number): void;
}

export const nodeFileDriver: FileDriver = {
  openAppend: (path) => fs.openSync(path, 'a', 0o644),
  write: (fd, data) =>
    new Promise((resolve, reject) => fs.write(fd, data, 0, data.length, null, (err, n) => (err ? reject(err) : resolve(n)))),
  writeSync: (fd, data) => fs.writeSync(fd, data, 0, data.length, null),
  fdatasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve()))),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  size: (fd) => fs.fstatSync(fd).size,
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve()))),
  closeSync: (fd) => fs.closeSync(fd),
};
