import * as crypto from 'node:crypto';
import { join } from 'node:path';
import { GENESIS, sha256hex, splitLink } from './chain.js';
import { CHAIN_DIR, keyId, parseRecord, readRecord, signatureFault, splitLines, type CheckpointRecord } from './checkpoint.js';
import { nodeFileDriver, type FileDriver, type FileIdentity } from './file-driver.js';
import { LATEST_HEAD_BYTES, readLatestField } from './gzip-pieces.js';
import { LeadingTimeScanner } from './leading-time.js';
import { CacheSession, type CachedFile, type VerifyCache } from './verify-cache.js';
import { LineChecker, type FileLines } from './verify-lines.js';
import { firstLink, readLines } from './verify-read.js';
import { DEFAULT_MAX_EVENT_IDS, EventIdTable, decodeFingerprints, encodeFingerprints, eventIdOf, fingerprint } from './verify-events.js';
import { classifyLogNames, type StreamFile } from './stream-files.js';
import { LOG_FILES } from './log-files.js';

const AUDIT_FILES: readonly string[] = Object.values(LOG_FILES);

export type DamageKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'torn_tail' | 'bad_signature' | 'missing_file'
  | 'foreign_file' | 'duplicate_event' | 'leftover';

/** Listed, but not damage: a crash, never tampering (`ok` stays true). */
const NOT_DAMAGE: ReadonlySet<DamageKind> = new Set(['torn_tail', 'leftover']);

export interface VerifyProblem {
  /** Relative to the directory verified. */
  file: string;
  /** 1-based; the first line that is not what the chain says it should be. */
  line: number;
  kind: DamageKind;
  message: string;
}

export interface VerifiedFile {
  file: string;
  lines: number;
  ok: boolean;
  /** False for a file none of whose lines carries a link (written before daybook chained). */
  chained?: boolean;
}

/**
 * Lines of a stream's current file after the last line a checkpoint vouches for (signed, with
 * a key): a crash may take them, and so may anyone who can write the file, unseen, until the
 * next checkpoint (journalctl --verify's unsealed tail). Not damage by itself.
 */
export interface UnvouchedLines {
  stream: string;
  file: string;
  lines: number;
  /** The leading timestamps of the first and last of them, when they have one. */
  from?: string;
  to?: string;
}

/** The shape of `daybook verify --json`. */
export interface VerifyResult {
  /** No damage. A torn last line (a crash) is listed in problems but is not damage. */
  ok: boolean;
  files: VerifiedFile[];
  problems: VerifyProblem[];
  /** Streams whose checkpoints were signature-checked. */
  signed?: string[];
  /** Per stream with lines past its last checkpoint. */
  unvouched?: UnvouchedLines[];
  /** What verify could not check in full (`DAYBOOK_W_VERIFY_...`). */
  warnings?: { code: string; message: string }[];
}

export interface VerifyOptions {
  /** Ed25519 public key (KeyObject or PEM): every checkpoint must carry a valid signature by it. */
  publicKey?: crypto.KeyObject | string | Buffer;
  driver?: FileDriver;
  /**
   * What an earlier verify of this directory found (start with `{}`), updated in place: backups
   * unchanged since, and checked against the same links and checkpoints, are not read again.
   * The result is the same with or without it (verify-cache.ts).
   */
  cache?: VerifyCache;
  /** How many event ids of one stream the duplicate check holds (8 bytes each; default 16M). */
  maxEventIds?: number;
}

const CHECKED: ReadonlySet<string> = new Set(['start', 'checkpoint', 'rotate', 'close']);

/**
 * Checks every stream of a log directory: each line's link, the links across rotated and
 * compressed files, the checkpoints (their own chain, signatures, and that each still matches
 * the line it vouched for), that every file the checkpoints know of is there or was pruned by
 * retention, and that every file a report would read (stream-files.ts) is one verify can
 * vouch for. Never throws on a damaged directory: damage is the result.
 */
export async function verify(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const driver = options.driver ?? nodeFileDriver;
  const pub = options.publicKey === undefined ? undefined
    : typeof options.publicKey === 'string' || Buffer.isBuffer(options.publicKey) ? crypto.createPublicKey(options.publicKey) : options.publicKey;
  const result: VerifyResult = { ok: true, files: [], problems: [] };
  const names = await driver.readdir(dir);
  let metaNames: string[] = [];
  try {
    metaNames = await driver.readdir(join(dir, CHAIN_DIR));
  } catch {
    // No checkpoints at all: only the lines' own links can be checked.
  }
  const { streams, strays } = classifyLogNames(names);
  const bases = new Set<string>(streams.keys());
  for (const n of metaNames) if (n.endsWith('.chain')) bases.add(n.slice(0, -'.chain'.length));
  const chainFiles = metaNames.filter((n) => n.endsWith('.chain')).length;
  const cache = new CacheSession(options.cache, dir);
  const tally = { records: 0 };
  // The audit family is chained when any of it has a checkpoint file (or a key is given): then
  // event lines belong in audit.log* alone (every view line is also in audit.log).
  const familyChained = pub !== undefined || AUDIT_FILES.some((b) => metaNames.includes(b + '.chain'));
  for (const base of [...bases].sort()) {
    // App logs are unchained unless their logger says otherwise; an audit file is chained
    // whenever its siblings are (or a key is given), so stripping its links and its
    // checkpoints is not a way out.
    const mustChain = AUDIT_FILES.includes(base) && (chainFiles > 0 || pub !== undefined);
    const countEvents = familyChained && !AUDIT_FILES.includes(base);
    await verifyStream(dir, base, streams.get(base) ?? [], driver, pub, mustChain, countEvents, cache, result, options.maxEventIds ?? DEFAULT_MAX_EVENT_IDS, tally);
  }
  if (!bases.has(LOG_FILES.audit) && AUDIT_FILES.some((b) => bases.has(b))) {
    // The AuditLogger always writes audit.log, the source of truth the views are cut from:
    // views without it mean it (and its checkpoints) were deleted.
    result.problems.push({ file: LOG_FILES.audit, line: 0, kind: 'missing_file', message: `${LOG_FILES.audit} and ${CHAIN_DIR}/${LOG_FILES.audit}.chain are missing, while ${AUDIT_FILES.filter((b) => bases.has(b)).join(', ')} (written beside it) are here: the audit log was deleted` });
  }
  for (const s of strays) result.problems.push(await strayProblem(dir, s.name, s.reason, streams.get(s.stream) ?? [], driver));
  if (bases.size === 0) {
    // A cron job pointed at the wrong path must not pass for ever.
    result.problems.push({ file: '.', line: 0, kind: 'missing_file', message: `no log files in ${dir}: nothing was verified (is it the logger's logDir?)` });
  } else if (pub !== undefined && tally.records === 0 && !result.problems.some((p) => p.kind === 'bad_signature')) {
    // Deleting .daybook/ and stripping every link must not read as "checkpoints signed by the key".
    result.problems.push({ file: CHAIN_DIR, line: 0, kind: 'missing_file', message: `no checkpoint in ${dir} is signed by the key: nothing vouches for these files` });
  }
  cache.save(dir);
  result.ok = result.problems.every((p) => NOT_DAMAGE.has(p.kind));
  if (pub !== undefined) result.signed = [...bases].sort();
  return result;
}

/**
 * A file named like a log file that no daybook writer produces as such: reports do not read it,
 * but it is no file of the stream either, so it is named. The one exception is what a crash
 * leaves: a plain backup beside its gzip (compression renamed the .gz and was killed before the
 * unlink), whose lines are exactly the gzip's: listed, not damage.
 */
async function strayProblem(dir: string, name: string, reason: string, files: readonly StreamFile[], driver: FileDriver): Promise<VerifyProblem> {
  const gz = files.find((f) => f.gz && f.name === name + '.gz');
  if (gz !== undefined) {
    const [plain, zipped] = [await contentHash(driver, join(dir, name), false), await contentHash(driver, join(dir, gz.name), true)];
    if (plain !== undefined && plain === zipped) {
      return { file: name, line: 0, kind: 'leftover', message: `${name} holds the same lines as ${gz.name}: a compression interrupted by a crash after its rename; reports read only the .gz, and the writer removes it at its next start` };
    }
    return { file: name, line: 0, kind: 'foreign_file', message: `${reason}, and its lines are not those of ${gz.name}: it was not left by a crash` };
  }
  return { file: name, line: 0, kind: 'foreign_file', message: reason };
}

/** SHA-256 of a regular file's (gunzipped) bytes, or undefined if it cannot be read as one. */
async function contentHash(driver: FileDriver, path: string, gz: boolean): Promise<string | undefined> {
  const opened = openLog(driver, path);
  if (typeof opened === 'string') return undefined;
  try {
    const h = crypto.createHash('sha256');
    await readLines(driver, opened.fd, gz, () => {}, (b) => void h.update(b));
    return h.digest('hex');
  } catch {
    return undefined;
  } finally {
    driver.closeSync(opened.fd);
  }
}

/**
 * Opens a log file for reading, or says why not. Only regular files: a FIFO named `audit.log`
 * would hang a read for ever (openRead does not block on it), a directory or device is nothing
 * a writer produced.
 */
function openLog(driver: FileDriver, path: string): { fd: number; id: FileIdentity } | string {
  let fd: number;
  try {
    fd = driver.openRead(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A socket cannot be opened at all (ENXIO); a device without its driver, ENODEV.
    return code === 'ENXIO' || code === 'ENODEV' ? NOT_REGULAR : (e as Error).message;
  }
  try {
    const id = driver.identity(fd);
    if (id.regular === false) {
      driver.closeSync(fd);
      return NOT_REGULAR;
    }
    return { fd, id };
  } catch (e) {
    driver.closeSync(fd);
    return (e as Error).message;
  }
}

const NOT_REGULAR = 'is not a regular file (a FIFO, socket, device or directory), which no writer produces';

interface LogFile {
  name: string;
  gz: boolean;
  /** Why it cannot be read: then it has no lines. */
  openError?: string;
  /** Its identity when its first line was read ahead. */
  id?: FileIdentity;
  /** The link of its first line as far as known: it names the file's generation in the rotate records. */
  first?: string | undefined;
}

/** The checkpoint file of a stream, read and checked, and what its records say of the files. */
interface Checkpoints {
  /** Undefined when it cannot be read. */
  text: string | undefined;
  /** The records up to the first bad one. */
  records: CheckpointRecord[];
  problems: VerifyProblem[];
  entry: VerifiedFile | undefined;
  /** Generations by the link of their first line. */
  rotateByFirst: Map<string, number>;
  /** The links the closed files end with (rotate records' heads). */
  rotateHeads: Set<string>;
  /** The last line a record vouches for, by generation. */
  lastOfGen: Map<number, { line: number; hash: string }>;
  pruned: Set<number>;
  /** The first record when it is a `base`: the generations before its own were compacted away. */
  base: CheckpointRecord | undefined;
  currentGen: number;
  /** The last record that is not a prune. */
  final: CheckpointRecord | undefined;
  /** SHA-256 of the unchained files the writer moved aside (legacy records). */
  legacy: Set<string>;
}

interface StreamContext {
  dir: string;
  base: string;
  driver: FileDriver;
  cache: CacheSession;
  keyTag: string;
  cp: Checkpoints;
  files: LogFile[];
  hasBase: boolean;
  anyGz: boolean;
  /** The stream's event ids (duplicate check), filled by the attempt that runs. */
  ids: EventIdTable;
  /** No new listing after this one: a file gone since is reported as it is. */
  lastPass: boolean;
  /** Count the audit events among the lines (a stream outside the audit family, beside a chained one). */
  countEvents: boolean;
}

/** How many listings of a stream verify makes while a writer moves its files. */
const MAX_PASSES = 5;
/** checkFiles: a file was renamed or deleted since the listing. */
const MOVED = Symbol('moved');

/**
 * One stream's files are read one at a time, oldest first, each as a stream of lines
 * (verify-read.ts): memory is a window of lines, not the directory, and one descriptor is open
 * at a time, whatever the number of backups. Generations, which the line checks need first,
 * come from the checkpoint records and each file's first line (or the cache), read before the rest.
 */
async function verifyStream(dir: string, base: string, streamFiles: readonly StreamFile[] /* reassigned on a new listing */, driver: FileDriver, pub: crypto.KeyObject | undefined, mustChain: boolean, countEvents: boolean, cache: CacheSession, out: VerifyResult, maxIds: number, tally: { records: number }): Promise<void> {
  let files: LogFile[] = [];
  let hasChainFile = false;
  let cp: Checkpoints | undefined;
  let ctx: StreamContext | undefined;
  let run: StreamRun | undefined;
  // A live writer renames and deletes files while verify reads (rotation, retention): a file
  // gone or replaced since the directory was listed sends the stream back to a new listing. Each
  // file is opened only while it is read, so nothing holds on to the files as they were.
  for (let pass = 0; run === undefined; pass++) {
    if (pass > 0) streamFiles = classifyLogNames(await driver.readdir(dir)).streams.get(base) ?? [];
    files = streamFiles.map((f) => ({ name: f.name, gz: f.gz }));
    for (const f of files) {
      const opened = openLog(driver, join(dir, f.name));
      if (typeof opened === 'string') {
        f.openError = opened;
        continue;
      }
      try {
        f.id = opened.id;
        const known = cache.same(f.name, f.id);
        f.first = known !== undefined ? known.first : await firstLink(driver, opened.fd, f.gz);
      } finally {
        driver.closeSync(opened.fd);
      }
    }
    hasChainFile = (await driver.stat(join(dir, CHAIN_DIR, base + '.chain'))) !== undefined;
    cp = await readCheckpoints(dir, base, driver, pub);
    ctx = { dir, base, driver, cache, keyTag: pub === undefined ? '' : keyId(pub), cp, files, hasBase: streamFiles.some((f) => f.n === 0), anyGz: streamFiles.some((f) => f.gz), ids: new EventIdTable(maxIds), lastPass: pass >= MAX_PASSES - 1, countEvents };
    // A file's first line read in full can differ from the one read ahead (a .gz that turns out
    // damaged has none): the generations are then worked out again and the stream checked anew.
    for (let attempt = 0; run === undefined; attempt++) {
      ctx.ids = new EventIdTable(maxIds);
      const r = await checkFiles(ctx, attempt >= files.length);
      if (r === MOVED) break;
      run = r;
    }
  }
  cp = cp!;
  ctx = ctx!;
  tally.records += cp.records.length;
  if (!hasChainFile && !mustChain && run.read.every((r) => r !== undefined && !r.chained)) {
    // A stream nobody chained (an app log with chain off): nothing to check, unless it holds
    // audit events, which no daybook writer puts outside audit.log* once that is chained.
    for (let i = 0; i < files.length; i++) {
      const events = run.read[i]!.events ?? 0;
      const name = files[i]!.name;
      if (events > 0) out.problems.push({ file: name, line: 0, kind: 'foreign_file', message: `${name} holds ${events} audit events outside ${LOG_FILES.audit}: no daybook writer puts them there` });
      out.files.push({ file: name, lines: run.read[i]!.lines, ok: events === 0, chained: false });
    }
    return;
  }
  const chainName = `${CHAIN_DIR}/${base}.chain`;
  if (cp.text === undefined && (pub !== undefined || mustChain || run.read.some((r) => r?.chained === true))) {
    out.problems.push({ file: chainName, line: 0, kind: 'missing_file', message: `${chainName} is missing: the checkpoints of ${base} cannot be checked` });
  }
  out.problems.push(...cp.problems, ...run.problems);
  out.problems.push(...(await duplicateEvents(ctx)));
  if (ctx.ids.skipped > 0) {
    (out.warnings ??= []).push({ code: 'DAYBOOK_W_VERIFY_EVENT_IDS', message: `${base}: ${ctx.ids.skipped} event ids were past the duplicate check's capacity (maxEventIds) and were not checked for duplicates` });
  }
  if (run.unvouched !== undefined) (out.unvouched ??= []).push(run.unvouched);
  if (cp.entry !== undefined) out.files.push(cp.entry);
  out.files.push(...run.entries);
}

/**
 * Lines of the stream that share an `event_id` with an earlier line but not its content. Only
 * the candidates the fingerprints name are compared, in a second read of the stream's files
 * (one at a time), which a directory without repeated ids never makes.
 */
async function duplicateEvents(ctx: StreamContext): Promise<VerifyProblem[]> {
  const repeated = ctx.ids.repeated();
  if (repeated.size === 0) return [];
  const seen = new Map<string, { hash: string; file: string; line: number }>();
  const problems: VerifyProblem[] = [];
  let more = 0;
  for (const f of ctx.files) {
    const opened = openLog(ctx.driver, join(ctx.dir, f.name));
    if (typeof opened === 'string') continue;
    let n = 0;
    const onLine = (line: string): void => {
      n++;
      const id = eventIdOf(line);
      if (id === undefined || !repeated.has(fingerprint(id))) return;
      const hash = sha256hex(splitLink(line)?.content ?? line);
      const earlier = seen.get(id);
      if (earlier === undefined) seen.set(id, { hash, file: f.name, line: n });
      else if (earlier.hash !== hash) {
        if (problems.length < MAX_DUPLICATE_PROBLEMS) {
          problems.push({ file: f.name, line: n, kind: 'duplicate_event', message: `event_id ${id} is also at ${earlier.file}:${earlier.line} with other content: a reader keeps only one of them` });
        } else more++;
      }
    };
    try {
      const tail = await readLines(ctx.driver, opened.fd, f.gz, onLine);
      if (tail !== undefined && tail !== '') onLine(tail);
    } catch {
      // A file that cannot be read is reported by the chain checks.
    } finally {
      ctx.driver.closeSync(opened.fd);
    }
  }
  if (more > 0) problems.push({ file: ctx.base, line: 0, kind: 'duplicate_event', message: `${more} more lines of ${ctx.base} repeat an event_id with other content` });
  return problems;
}

const MAX_DUPLICATE_PROBLEMS = 100;

async function readCheckpoints(dir: string, base: string, driver: FileDriver, pub: crypto.KeyObject | undefined): Promise<Checkpoints> {
  const chainName = `${CHAIN_DIR}/${base}.chain`;
  const cp: Checkpoints = { text: undefined, records: [], problems: [], entry: undefined, rotateByFirst: new Map(), rotateHeads: new Set(), lastOfGen: new Map(), pruned: new Set(), base: undefined, currentGen: 0, final: undefined, legacy: new Set() };
  const problem = (line: number, kind: DamageKind, message: string): void => void cp.problems.push({ file: chainName, line, kind, message });
  try {
    cp.text = (await driver.readFile(join(dir, CHAIN_DIR, base + '.chain'))).toString('utf8');
  } catch {
    return cp;
  }
  const chainText = cp.text;
  const { lines, torn } = splitLines(chainText);
  const pubId = pub === undefined ? '' : keyId(pub);
  let prev = GENESIS;
  let bad = false;
  for (let i = 0; i < lines.length && !bad; i++) {
    const text = lines[i]!;
    const r = readRecord(text, i, prev);
    if (typeof r === 'string') {
      bad = true;
      problem(i + 1, 'modified', r);
      break;
    }
    if (r.stream !== base) {
      // Signed for another stream: a stream's files and checkpoints renamed into this one's
      // place (trades.log as audit.log) would otherwise verify as this stream.
      bad = true;
      problem(i + 1, 'modified', `checkpoint ${i + 1} is of stream ${JSON.stringify(r.stream)}, not ${base}: the files and checkpoints of another stream were put in its place`);
      break;
    }
    const fault = pub === undefined ? undefined : signatureFault(text, r, pub, pubId);
    if (fault !== undefined) {
      bad = true;
      problem(i + 1, 'bad_signature', `checkpoint ${i + 1} is ${fault}`);
      break;
    }
    prev = sha256hex(text);
    cp.records.push(r);
  }
  if (torn > 0 && !bad) {
    const frag = chainText.slice(chainText.length - torn);
    // A crash tears a record before its newline; a complete record without one was edited.
    if (parseRecord(frag) !== undefined || parseRecord(frag.slice(0, -1)) !== undefined) problem(lines.length + 1, 'modified', 'the last checkpoint was altered');
    else problem(lines.length + 1, 'torn_tail', 'the last checkpoint was cut short by a crash');
  }
  cp.entry = { file: chainName, lines: lines.length, ok: !bad };

  if (cp.records[0]?.kind === 'base') cp.base = cp.records[0];
  // Generations: a rotate record names its file by the link of its first line.
  for (const r of cp.records) {
    if (r.kind === 'prune') {
      if (r.pruned !== undefined) cp.pruned.add(r.pruned);
      continue;
    }
    cp.final = r;
    if (r.kind === 'legacy') {
      if (typeof r.sha256 === 'string') cp.legacy.add(r.sha256);
      continue;
    }
    if (r.kind === 'rotate' && r.first !== undefined) {
      cp.rotateByFirst.set(r.first, r.gen);
      cp.rotateHeads.add(r.hash);
    }
    cp.currentGen = Math.max(cp.currentGen, r.kind === 'rotate' ? r.gen + 1 : r.gen);
    const l = cp.lastOfGen.get(r.gen);
    if (r.line > 0 && (l === undefined || r.line >= l.line)) cp.lastOfGen.set(r.gen, { line: r.line, hash: r.hash });
  }
  return cp;
}

/** Each file's generation, walking back from the newest. */
function generations(ctx: StreamContext): number[] {
  const { cp, files } = ctx;
  const gens: number[] = [];
  for (let i = files.length - 1; i >= 0; i--) {
    const first = files[i]!.first;
    const known = first === undefined ? undefined : cp.rotateByFirst.get(first);
    gens[i] = known ?? (i === files.length - 1 && ctx.hasBase ? cp.currentGen : (gens[i + 1] ?? cp.currentGen + 1) - 1);
  }
  return gens;
}

interface StreamRun {
  problems: VerifyProblem[];
  entries: VerifiedFile[];
  /** What each file's lines showed; undefined for a file that cannot be read. */
  read: (FileLines | undefined)[];
  unvouched?: UnvouchedLines;
}

/** The chain, line by line, file by file. Undefined if the generations turned out wrong (unless `final`). */
async function checkFiles(ctx: StreamContext, final: boolean): Promise<StreamRun | undefined | typeof MOVED> {
  const { cp, files, base } = ctx;
  const gens = generations(ctx);
  const run: StreamRun = { problems: [], entries: [], read: [] };
  const problems = run.problems;
  const isCurrent = (fi: number): boolean => fi === files.length - 1 && ctx.hasBase;
  // Named by the link of its first line in a rotate record: its place in the stream is known.
  const known = files.map((f) => f.first !== undefined && cp.rotateByFirst.has(f.first));
  const present = new Set(gens);
  const missingBefore = new Set([...cp.lastOfGen.keys()].filter((g) => !present.has(g) && !pruned(cp, g)));
  /** Indexes of files that are no file of this stream: their generation does not count as there. */
  const foreign = new Set<number>();

  // The files whose generations the records name, in the longest run that is in order: the
  // others were moved (or copied) there, and are the ones named, not their neighbours.
  const placed = files.flatMap((_, i) => (known[i] || isCurrent(i) ? [i] : []));
  const ordered = inOrder(placed, gens);
  const holder = new Map([...ordered].map((i) => [gens[i]!, files[i]!.name]));
  let prev: string | undefined;
  if (files.length > 0) prev = linkBefore(cp, gens[0]!);
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    const gen = gens[fi]!;
    let skipFirst = fi > 0 && (problemsIn(problems, files[fi - 1]!.name) || missingBefore.has(gen - 1));
    if (known[fi] || isCurrent(fi)) {
      const outOfPlace = !ordered.has(fi);
      if (outOfPlace) {
        const twin = holder.get(gen);
        if (twin !== undefined) {
          foreign.add(fi);
          problems.push({ file: f.name, line: 0, kind: 'foreign_file', message: `${f.name} holds generation ${gen}, as ${twin} does: a copy, which reports would count twice` });
        } else {
          problems.push({ file: f.name, line: 0, kind: 'reordered', message: `${f.name} holds generation ${gen}, out of the order of the backups around it: backups were renamed or swapped` });
        }
      }
      // A file out of place, or after one that is not of this stream, continues from what the
      // records say came before it, not from its neighbour: the neighbour is not blamed.
      const movedBefore = fi > 0 && (known[fi - 1] || isCurrent(fi - 1)) && !ordered.has(fi - 1);
      if (fi > 0 && (outOfPlace || movedBefore || foreign.has(fi - 1) || gens[fi - 1] !== gen - 1)) {
        const before = linkBefore(cp, gen);
        if (before !== undefined) {
          prev = before;
          skipFirst = false;
        }
      }
    }
    const lastChecked = cp.lastOfGen.get(gen);
    const records = lastChecked === undefined ? [] : cp.records.filter((r) => r.gen === gen && CHECKED.has(r.kind) && r.line !== 0);
    // The current file grows and is re-read every time; backups are remembered.
    const context = isCurrent(fi) ? undefined : contextKey(ctx, gen, prev, skipFirst);
    // Opened again (one descriptor at a time): its identity now is the one the check is about.
    const opened = f.openError ?? openLog(ctx.driver, join(ctx.dir, f.name));
    if (!ctx.lastPass && f.openError === undefined) {
      const gone = typeof opened === 'string' ? opened.includes('ENOENT') : opened.id.ino !== f.id?.ino || opened.id.dev !== f.id?.dev;
      if (gone) {
        if (typeof opened !== 'string') ctx.driver.closeSync(opened.fd);
        return MOVED;
      }
    }
    let read: FileLines | string;
    if (typeof opened === 'string') {
      read = opened;
    } else {
      const seenAt = Date.now();
      let hit: CachedFile | undefined;
      const ids: number[] | undefined = context === undefined ? undefined : [];
      try {
        hit = context === undefined ? undefined : ctx.cache.reuse(f.name, opened.id, context);
        if (hit !== undefined) {
          read = { ...hit, findings: [], torn: false };
          if (hit.ids !== undefined) ctx.ids.addAll(decodeFingerprints(hit.ids));
        } else {
          read = await readFile(ctx, f, opened.fd, prev, lastChecked, skipFirst, records, isCurrent(fi) ? (lastChecked?.line ?? 0) : undefined, ids);
        }
      } finally {
        ctx.driver.closeSync(opened.fd);
      }
      // Only a clean, chained backup: an unchained one is vouched for by its legacy record, checked each time.
      if (typeof read !== 'string' && hit === undefined && read.findings.length === 0 && read.chained && context !== undefined) {
        ctx.cache.store(f.name, opened.id, seenAt, { context, lines: read.lines, chained: read.chained, first: read.first, next: read.next, ids: encodeFingerprints(ids ?? []) });
      }
    }
    const first = typeof read === 'string' ? undefined : read.first;
    if (first !== f.first) {
      f.first = first;
      if (!final && generations(ctx).some((g, i) => g !== gens[i])) return undefined;
    }
    run.read.push(typeof read === 'string' ? undefined : read);
    const before = problems.length;
    let lines = 0;
    let chained = false;
    if (typeof read === 'string') {
      if (read === NOT_REGULAR) problems.push({ file: f.name, line: 0, kind: 'foreign_file', message: `${f.name} ${read}` });
      else problems.push({ file: f.name, line: 1, kind: read.includes('end') ? 'truncated' : 'modified', message: `cannot be decompressed: ${read}` });
    } else {
      ({ lines, chained } = read);
      if (!chained && lines > 0) {
        // Lines without links: the file the writer moved aside when the chain began, which a
        // legacy record names by its bytes, or nothing this stream vouches for.
        if (read.sha256 === undefined || !cp.legacy.has(read.sha256)) {
          problems.push({ file: f.name, line: 0, kind: 'foreign_file', message: `${f.name} holds ${lines} lines without links, and no checkpoint records it as the file the writer moved aside when the chain began: nothing vouches for them, yet reports would count them` });
        }
        prev = undefined;
      } else if (!isCurrent(fi) && !known[fi] && chained && cp.rotateHeads.size > 0 && read.next !== undefined && !cp.rotateHeads.has(read.next)) {
        // A chained backup whose first and last links no rotate record knows: not a file of this
        // stream (copied in, or put in the place of one), rather than a damaged neighbour.
        foreign.add(fi);
        problems.push({ file: f.name, line: 0, kind: 'foreign_file', message: `${f.name} is no file of ${base}: neither the first nor the last link of its lines is in a rotate checkpoint` });
        prev = undefined;
      } else {
        for (const x of read.findings) problems.push({ file: f.name, ...x });
        prev = read.next;
      }
      if (isCurrent(fi) && chained && read.unvouched !== undefined) {
        run.unvouched = { stream: base, file: f.name, ...read.unvouched };
        const c = cp.final;
        if (c !== undefined && c.kind === 'close' && c.gen === gen && problems.length === before) {
          // The writer's last word was that it closed the file at line c.line, and a writer
          // that opens it writes a start record first: lines after it were put there by hand.
          problems.push({ file: f.name, line: c.line + 1, kind: 'inserted', message: `${read.unvouched.lines} lines were appended after the writer closed ${f.name} at line ${c.line}, with no start record: no writer wrote them` });
        }
      }
    }
    run.entries.push({ file: f.name, lines, ok: problems.slice(before).every((p) => NOT_DAMAGE.has(p.kind)), ...(chained || lines === 0 ? {} : { chained: false }) });
  }
  // Files the checkpoints know of that are neither here nor pruned.
  const here = new Set(gens.filter((_, i) => !foreign.has(i)));
  for (const [gen, last] of cp.lastOfGen) {
    if (!here.has(gen) && !pruned(cp, gen)) {
      problems.push({ file: cp.currentGen - gen === 0 ? base : `${base}.${cp.currentGen - gen}${ctx.anyGz ? '.gz' : ''}`, line: 0, kind: 'missing_file',
        message: `the file of generation ${gen} (${last.line} lines) is gone and retention did not delete it` });
    }
  }
  return run;
}

/**
 * The indexes among `idx` (ascending) whose generations form the longest strictly increasing
 * run (patience sorting, n log n): the files that are where they belong.
 */
function inOrder(idx: readonly number[], gens: readonly number[]): Set<number> {
  const tails: number[] = [];
  const back = new Map<number, number | undefined>();
  for (const i of idx) {
    const g = gens[i]!;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gens[tails[mid]!]! < g) lo = mid + 1;
      else hi = mid;
    }
    back.set(i, lo > 0 ? tails[lo - 1] : undefined);
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (let i = tails[tails.length - 1]; i !== undefined; i = back.get(i)) out.add(i);
  return out;
}

/** Retention deleted the generation: a prune record says so, or compaction dropped its records. */
function pruned(cp: Checkpoints, gen: number): boolean {
  return cp.pruned.has(gen) || (cp.base !== undefined && gen < cp.base.gen);
}

/** The link the first line of generation `gen` continues from, as far as the records know. */
function linkBefore(cp: Checkpoints, gen: number): string | undefined {
  if (gen === 0) return GENESIS;
  if (gen === cp.base?.gen) return cp.base.hash;
  return cp.lastOfGen.get(gen - 1)?.hash;
}

/** Everything a backup's check depends on besides its bytes. */
function contextKey(ctx: StreamContext, gen: number, prev: string | undefined, skipFirst: boolean): string {
  const records = ctx.cp.records.filter((r) => r.gen === gen && r.kind !== 'prune');
  return sha256hex(JSON.stringify([gen, prev ?? null, skipFirst, ctx.keyTag, records]));
}

/** The file's lines checked as they stream past, or why it cannot be read. */
async function readFile(ctx: StreamContext, f: LogFile, fd: number, prev: string | undefined, lastChecked: { line: number; hash: string } | undefined, skipFirst: boolean, records: readonly CheckpointRecord[], vouched: number | undefined, ids: number[] | undefined): Promise<FileLines | string> {
  const checker = new LineChecker(prev, lastChecked, skipFirst, records, vouched);
  const times = f.gz ? new LeadingTimeScanner() : undefined;
  // A file whose first line has no link may be the one the writer moved aside: its bytes name it.
  const bytes = f.first === undefined ? crypto.createHash('sha256') : undefined;
  const table = ctx.ids;
  let events = 0;
  const takeId = (line: string): void => {
    if (ctx.countEvents && isAuditEvent(line)) events++;
    const id = eventIdOf(line);
    if (id === undefined) return;
    const fp = fingerprint(id);
    table.add(fp);
    ids?.push(fp);
  };
  const onBytes = times === undefined && bytes === undefined ? undefined : (b: Buffer): void => {
    times?.push(b);
    bytes?.update(b);
  };
  try {
    const tail = await readLines(ctx.driver, fd, f.gz, (line) => {
      checker.line(line);
      takeId(line);
    }, onBytes);
    const read = checker.end(tail ?? '');
    if (tail !== undefined && tail !== '') takeId(tail);
    if (bytes !== undefined) read.sha256 = bytes.digest('hex');
    if (events > 0) read.events = events;
    if (times !== undefined && read.findings.length === 0) {
      const wrong = latestFieldFault(ctx.driver, fd, times);
      if (wrong !== undefined) read.findings.push({ line: 0, kind: 'modified', message: `its gzip header ${wrong}` });
    }
    return read;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * What is wrong with a gzip backup's latest-event field (gzip-pieces.ts), if anything: it must
 * say what the compressor would have written for these lines, since a reader trusts it to leave
 * the backup out of ranges that start later.
 */
function latestFieldFault(driver: FileDriver, fd: number, times: LeadingTimeScanner): string | undefined {
  times.finish();
  const head = Buffer.alloc(LATEST_HEAD_BYTES);
  const field = readLatestField(head.subarray(0, driver.readSync(fd, head, 0)));
  if (field.kind === 'absent') return undefined;
  if (field.kind === 'malformed') return 'has an extra field that is not daybook\'s latest-event time';
  const expected = times.unknown ? undefined : times.latestCanonical();
  const said = field.kind === 'time' ? field.latest : undefined;
  if (said === expected) return undefined;
  return `says its latest event is at ${said ?? 'no known time'}; its lines say ${expected ?? 'no time (not every line begins with one)'}`;
}

/**
 * A JSON event line other than an app log's own (an AppLogger with the json format writes
 * `app_log` events). Cheap for the text lines app logs hold: only a line that starts with `{`
 * and names an event_type is parsed.
 */
function isAuditEvent(line: string): boolean {
  const text = splitLink(line)?.content ?? line;
  if (!text.startsWith('{') || !text.includes('"event_type"')) return false;
  try {
    const o = JSON.parse(text) as unknown;
    return typeof o !== 'object' || o === null || (o as { event_type?: unknown }).event_type !== 'app_log';
  } catch {
    // Not valid JSON, yet shaped like an event: a lenient reader might take it, so it counts.
    return true;
  }
}

function problemsIn(problems: readonly VerifyProblem[], file: string): boolean {
  return problems.some((p) => p.file === file && !NOT_DAMAGE.has(p.kind));
}
