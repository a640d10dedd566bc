/**
 * Which files of a log directory belong to which stream: the one answer that verify and every
 * reader (reports, export, the server's event index) share. When the two answered separately,
 * a file that verify did not consider part of a stream (`audit.log.0`, `audit.log.05.gz`,
 * `audit.log.gz`, a plain `audit.log.3` beside `audit.log.3.gz`) was still counted by the
 * reports while `verify --public-key` passed: whatever one of them reads, the other accounts for.
 *
 * The names daybook writes (rotation.ts): `<base>` (the current file), `<base>.<N>` with N from
 * 1 and no leading zero, `<base>.<N>.gz` once compressed, and `<base>.<N>.gz.tmp` while a
 * compression runs. A crash between a compression's rename and its unlink leaves `<N>` and
 * `<N>.gz` side by side: the gzip is complete once renamed, so it is the file of that backup.
 */

/** One file of a stream, as verify and the readers take it. */
export interface StreamFile {
  /** The name in the directory. */
  readonly name: string;
  /** The stream's name, `audit.log`. */
  readonly stream: string;
  /** 0 for the current file, N for backup N. */
  readonly n: number;
  readonly gz: boolean;
}

/** A file whose name looks like a log file's but that no daybook writer produces as such. */
export interface StrayFile {
  readonly name: string;
  /** The stream it claims to belong to. */
  readonly stream: string;
  /** Why it is not read, for the problem or warning that names it. */
  readonly reason: string;
}

export interface LogDirectory {
  /** Per stream name (sorted), its files oldest first: the highest backup number first, the current file last. */
  readonly streams: ReadonlyMap<string, readonly StreamFile[]>;
  /** Sorted by name. */
  readonly strays: readonly StrayFile[];
}

const LOG_LIKE = /^(.+\.log)(?:\.(?!gz$)([^.]+))?(\.gz)?$/;
const BACKUP_NUMBER = /^[1-9]\d{0,8}$/;

/**
 * Sorts a directory's names into streams and strays. Names that do not end like a log file
 * (`.log`, `.log.<x>`, `.log.<x>.gz`) are none of its business (`.tmp` files, the `.daybook`
 * directory, a bot's other files) and appear in neither list. Pure: the caller lists the
 * directory and says which names are regular files.
 */
export function classifyLogNames(names: Iterable<string>): LogDirectory {
  const byStream = new Map<string, Map<number, { plain?: string; gz?: string }>>();
  const strays: StrayFile[] = [];
  for (const name of names) {
    const m = LOG_LIKE.exec(name);
    if (m === null) continue;
    const stream = m[1]!;
    const num = m[2];
    const gz = m[3] !== undefined;
    if (num === undefined && gz) {
      strays.push({ name, stream, reason: `${name} is not a name daybook writes (backups are ${stream}.<N>.gz, numbered from 1)` });
      continue;
    }
    if (num !== undefined && !BACKUP_NUMBER.test(num)) {
      // `audit.log.x` where x is not a backup number: another program's file (`.log.old`), or
      // a look-alike (`.0`, `.05`) slipped in beside the real backups.
      if (/^\d+$/.test(num)) strays.push({ name, stream, reason: `${name} is not a name daybook writes (backup numbers start at 1, without leading zeros)` });
      continue;
    }
    const n = num === undefined ? 0 : Number(num);
    let slots = byStream.get(stream);
    if (slots === undefined) byStream.set(stream, (slots = new Map()));
    const slot = slots.get(n) ?? {};
    if (gz) slot.gz = name;
    else slot.plain = name;
    slots.set(n, slot);
  }
  const streams = new Map<string, StreamFile[]>();
  for (const stream of [...byStream.keys()].sort()) {
    const slots = byStream.get(stream)!;
    const files: StreamFile[] = [];
    for (const n of [...slots.keys()].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : b - a))) {
      const slot = slots.get(n)!;
      if (slot.gz !== undefined) {
        files.push({ name: slot.gz, stream, n, gz: true });
        if (slot.plain !== undefined) {
          strays.push({ name: slot.plain, stream, reason: `${slot.plain} is superseded by ${slot.gz} (a compression interrupted after its rename leaves both); only the .gz is read` });
        }
      } else {
        files.push({ name: slot.plain!, stream, n, gz: false });
      }
    }
    streams.set(stream, files);
  }
  strays.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { streams, strays };
}
