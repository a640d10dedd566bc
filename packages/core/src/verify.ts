import * as crypto from 'node:crypto';
import { join } from 'node:path';
import { GENESIS, sha256hex } from './chain.js';
import { CHAIN_DIR, keyId, parseRecord, readRecord, signatureFault, splitLines, type CheckpointRecord } from './checkpoint.js';
import { nodeFileDriver, type FileDriver, type FileIdentity } from './file-driver.js';
import { LATEST_HEAD_BYTES, readLatestField } from './gzip-pieces.js';
import { LeadingTimeScanner } from './leading-time.js';
import { CacheSession, type VerifyCache } from './verify-cache.js';
import { LineChecker, type FileLines } from './verify-lines.js';
import { firstLink, readLines } from './verify-read.js';
import { backupName, listBackups } from './rotation.js';
import { LOG_FILES } from './log-files.js';

const AUDIT_FILES: readonly string[] = Object.values(LOG_FILES);

export type DamageKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'torn_tail' | 'bad_signature' | 'missing_file';

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

/** The shape of `daybook verify --json`. */
export interface VerifyResult {
  /** No damage. A torn last line (a crash) is listed in problems but is not damage. */
  ok: boolean;
  files: VerifiedFile[];
  problems: VerifyProblem[];
  /** Streams whose checkpoints were signature-checked. */
  signed?: string[];
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
}

const CHECKED: ReadonlySet<string> = new Set(['start', 'checkpoint', 'rotate', 'close']);

/**
 * Checks every stream of a log directory: each line's link, the links across rotated and
 * compressed files, the checkpoints (their own chain, signatures, and that each still matches
 * the line it vouched for), and that every file the checkpoints know of is there or was
 * pruned by retention. Never throws on a damaged directory: damage is the result.
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
  const bases = new Set<string>();
  for (const n of metaNames) if (n.endsWith('.chain')) bases.add(n.slice(0, -'.chain'.length));
  for (const n of names) {
    if (n.endsWith('.tmp')) continue;
    const m = /^(.+?)\.\d+(\.gz)?$/.exec(n);
    const base = m === null ? n : m[1]!;
    if (base.endsWith('.log')) bases.add(base);
  }
  const chainFiles = metaNames.filter((n) => n.endsWith('.chain')).length;
  const cache = new CacheSession(options.cache, dir);
  for (const base of [...bases].sort()) {
    // App logs are unchained unless their logger says otherwise; an audit file is chained
    // whenever its siblings are, so stripping its links and its checkpoints is not a way out.
    const mustChain = AUDIT_FILES.includes(base) && chainFiles > 0;
    await verifyStream(dir, base, names, driver, pub, mustChain, cache, result);
  }
  cache.save(dir);
  result.ok = result.problems.every((p) => p.kind === 'torn_tail');
  if (pub !== undefined) result.signed = [...bases].sort();
  return result;
}


interface LogFile {
  name: string;
  gz: boolean;
  fd?: number;
  /** Why it cannot be read: then it has no lines. */
  openError?: string;
  id?: FileIdentity;
  /** When `id` was taken. */
  seenAt: number;
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
  /** The last line a record vouches for, by generation. */
  lastOfGen: Map<number, { line: number; hash: string }>;
  pruned: Set<number>;
  /** The first record when it is a `base`: the generations before its own were compacted away. */
  base: CheckpointRecord | undefined;
  currentGen: number;
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
}

/**
 * One stream's files are read one at a time, oldest first, each as a stream of lines
 * (verify-read.ts): memory is a window of lines, not the directory. Generations, which the
 * line checks need first, come from the checkpoint records and each file's first line (or the
 * cache), read before the rest.
 */
async function verifyStream(dir: string, base: string, names: string[], driver: FileDriver, pub: crypto.KeyObject | undefined, mustChain: boolean, cache: CacheSession, out: VerifyResult): Promise<void> {
  const backups = listBackups(names, base).filter((b) => b.plain || b.gz).reverse();
  const files: LogFile[] = backups.map((b) => ({ name: backupName(base, b), gz: b.gz, seenAt: 0 }));
  const hasBase = names.includes(base);
  if (hasBase) files.push({ name: base, gz: false, seenAt: 0 });
  try {
    for (const f of files) {
      try {
        f.fd = driver.openRead(join(dir, f.name));
        // Identity before reading: a change while it is read moves the ctime past this one.
        f.id = driver.identity(f.fd);
        f.seenAt = Date.now();
      } catch (e) {
        f.openError = (e as Error).message;
      }
    }
    const hasChainFile = (await driver.stat(join(dir, CHAIN_DIR, base + '.chain'))) !== undefined;
    const cp = await readCheckpoints(dir, base, driver, pub);
    for (const f of files) {
      const known = cache.same(f.name, f.id);
      f.first = known !== undefined ? known.first : f.fd === undefined || f.openError !== undefined ? undefined : await firstLink(driver, f.fd, f.gz);
    }
    const ctx: StreamContext = { dir, base, driver, cache, keyTag: pub === undefined ? '' : keyId(pub), cp, files, hasBase, anyGz: backups.some((b) => b.gz) };
    let run: StreamRun | undefined;
    // A file's first line read in full can differ from the one read ahead (a .gz that turns out
    // damaged has none): the generations are then worked out again and the stream checked anew.
    for (let attempt = 0; run === undefined; attempt++) run = await checkFiles(ctx, attempt >= files.length);
    if (!hasChainFile && !mustChain && run.read.every((r) => r !== undefined && !r.chained)) {
      // A stream nobody chained (an app log with chain off): nothing to check.
      for (let i = 0; i < files.length; i++) out.files.push({ file: files[i]!.name, lines: run.read[i]!.lines, ok: true, chained: false });
      return;
    }
    const chainName = `${CHAIN_DIR}/${base}.chain`;
    if (cp.text === undefined && (pub !== undefined || mustChain || run.read.some((r) => r?.chained === true))) {
      out.problems.push({ file: chainName, line: 0, kind: 'missing_file', message: `${chainName} is missing: the checkpoints of ${base} cannot be checked` });
    }
    out.problems.push(...cp.problems, ...run.problems);
    if (cp.entry !== undefined) out.files.push(cp.entry);
    out.files.push(...run.entries);
  } finally {
    for (const f of files) if (f.fd !== undefined) driver.closeSync(f.fd);
  }
}

async function readCheckpoints(dir: string, base: string, driver: FileDriver, pub: crypto.KeyObject | undefined): Promise<Checkpoints> {
  const chainName = `${CHAIN_DIR}/${base}.chain`;
  const cp: Checkpoints = { text: undefined, records: [], problems: [], entry: undefined, rotateByFirst: new Map(), lastOfGen: new Map(), pruned: new Set(), base: undefined, currentGen: 0 };
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
    if (r.kind === 'rotate' && r.first !== undefined) cp.rotateByFirst.set(r.first, r.gen);
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
}

/** The chain, line by line, file by file. Undefined if the generations turned out wrong (unless `final`). */
async function checkFiles(ctx: StreamContext, final: boolean): Promise<StreamRun | undefined> {
  const { cp, files, base } = ctx;
  const gens = generations(ctx);
  const run: StreamRun = { problems: [], entries: [], read: [] };
  const problems = run.problems;

  // Files the checkpoints know of that are neither here nor pruned.
  const present = new Set(gens);
  const missing = new Set<number>();
  for (const [gen, last] of cp.lastOfGen) {
    if (!present.has(gen) && !pruned(cp, gen)) {
      missing.add(gen);
      problems.push({ file: cp.currentGen - gen === 0 ? base : `${base}.${cp.currentGen - gen}${ctx.anyGz ? '.gz' : ''}`, line: 0, kind: 'missing_file',
        message: `the file of generation ${gen} (${last.line} lines) is gone and retention did not delete it` });
    }
  }

  let prev: string | undefined;
  if (files.length > 0) prev = linkBefore(cp, gens[0]!);
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    const gen = gens[fi]!;
    const lastChecked = cp.lastOfGen.get(gen);
    const skipFirst = fi > 0 && (problemsIn(problems, files[fi - 1]!.name) || missing.has(gen - 1));
    const records = lastChecked === undefined ? [] : cp.records.filter((r) => r.gen === gen && CHECKED.has(r.kind) && r.line !== 0);
    // The current file grows and is re-read every time; backups are remembered.
    const context = f.name === base ? undefined : contextKey(ctx, gen, prev, skipFirst);
    const hit = context === undefined ? undefined : ctx.cache.reuse(f.name, f.id, context);
    const read: FileLines | string = hit !== undefined ? { ...hit, findings: [] } : await readFile(ctx, f, prev, lastChecked, skipFirst, records);
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
      problems.push({ file: f.name, line: 1, kind: read.includes('end') ? 'truncated' : 'modified', message: `cannot be decompressed: ${read}` });
    } else {
      ({ lines, chained } = read);
      if (!chained && lines > 0 && f.name !== base && !cp.lastOfGen.has(gen)) {
        // A backup written before daybook chained lines (the writer moves such a file aside and
        // starts the chain in a new one): nothing to check, nothing to link from.
        prev = undefined;
      } else {
        for (const x of read.findings) problems.push({ file: f.name, ...x });
        prev = read.next;
      }
      if (problems.length === before && context !== undefined && hit === undefined) {
        ctx.cache.store(f.name, f.id, f.seenAt, { context, lines, chained, first, next: read.next });
      }
    }
    run.entries.push({ file: f.name, lines, ok: problems.slice(before).every((p) => p.kind === 'torn_tail'), ...(chained || lines === 0 ? {} : { chained: false }) });
  }
  return run;
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
async function readFile(ctx: StreamContext, f: LogFile, prev: string | undefined, lastChecked: { line: number; hash: string } | undefined, skipFirst: boolean, records: readonly CheckpointRecord[]): Promise<FileLines | string> {
  if (f.openError !== undefined || f.fd === undefined) return f.openError ?? 'not open';
  const checker = new LineChecker(prev, lastChecked, skipFirst, records);
  const times = f.gz ? new LeadingTimeScanner() : undefined;
  try {
    const tail = await readLines(ctx.driver, f.fd, f.gz, (line) => checker.line(line), times === undefined ? undefined : (b) => times.push(b));
    const read = checker.end(tail ?? '');
    if (times !== undefined && read.findings.length === 0) {
      const wrong = latestFieldFault(ctx.driver, f.fd, times);
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

function problemsIn(problems: readonly VerifyProblem[], file: string): boolean {
  return problems.some((p) => p.file === file && p.kind !== 'torn_tail');
}
