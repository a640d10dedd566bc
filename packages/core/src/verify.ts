import * as crypto from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GENESIS, link, sha256hex, splitLink } from './chain.js';
import { CHAIN_DIR, keyId, parseRecord, signedBody, splitLines, type CheckpointRecord } from './checkpoint.js';
import { nodeFileDriver, type FileDriver } from './file-driver.js';
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
}

/** How far apart a moved or inserted line and its place may be for the report to name it. */
const WINDOW = 64;
const CHECKED: ReadonlySet<string> = new Set(['start', 'checkpoint', 'rotate', 'close']);

interface Line {
  content: string;
  hash: string;
}

interface LogFileData {
  name: string;
  lines: (Line | undefined)[];
  /** Bytes after the last newline: a line cut short. */
  partial: boolean;
  unreadable?: string;
  gen: number;
}

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
  for (const base of [...bases].sort()) {
    // App logs are unchained unless their logger says otherwise; an audit file is chained
    // whenever its siblings are, so stripping its links and its checkpoints is not a way out.
    const mustChain = AUDIT_FILES.includes(base) && chainFiles > 0;
    await verifyStream(dir, base, names, driver, pub, mustChain, result);
  }
  result.ok = result.problems.every((p) => p.kind === 'torn_tail');
  if (pub !== undefined) result.signed = [...bases].sort();
  return result;
}

async function verifyStream(dir: string, base: string, names: string[], driver: FileDriver, pub: crypto.KeyObject | undefined, mustChain: boolean, out: VerifyResult): Promise<void> {
  const problems: VerifyProblem[] = [];
  const problem = (file: string, line: number, kind: DamageKind, message: string): void => void problems.push({ file, line, kind, message });

  // ---- files, oldest first ----
  const backups = listBackups(names, base).filter((b) => b.plain || b.gz).reverse();
  const files: LogFileData[] = [];
  for (const b of backups) files.push(await readLogFile(driver, dir, backupName(base, b), b.gz));
  if (names.includes(base)) files.push(await readLogFile(driver, dir, base, false));
  const hasChainFile = (await driver.stat(join(dir, CHAIN_DIR, base + '.chain'))) !== undefined;
  if (!hasChainFile && !mustChain && files.every((f) => f.unreadable === undefined && f.lines.every((l) => l === undefined))) {
    // A stream nobody chained (an app log with chain off): nothing to check.
    for (const f of files) out.files.push({ file: f.name, lines: f.lines.length, ok: true, chained: false });
    return;
  }

  // ---- checkpoints ----
  const chainName = `${CHAIN_DIR}/${base}.chain`;
  const records: CheckpointRecord[] = [];
  let chainText: string | undefined;
  try {
    chainText = (await driver.readFile(join(dir, CHAIN_DIR, base + '.chain'))).toString('utf8');
  } catch {
    if (pub !== undefined || mustChain || files.some((f) => f.lines.some((l) => l !== undefined))) {
      problem(chainName, 0, 'missing_file', `${chainName} is missing: the checkpoints of ${base} cannot be checked`);
    }
  }
  if (chainText !== undefined) {
    const { lines, torn } = splitLines(chainText);
    let prev = GENESIS;
    let bad = false;
    for (let i = 0; i < lines.length && !bad; i++) {
      const text = lines[i]!;
      const r = parseRecord(text);
      if (r === undefined || r.prev !== prev) {
        bad = true;
        problem(chainName, i + 1, r === undefined ? 'modified' : 'modified', `checkpoint ${i + 1} ${r === undefined ? 'is not a checkpoint record' : 'does not follow the one before it'}`);
        break;
      }
      if (pub !== undefined) {
        const body = signedBody(text);
        const okSig = body !== undefined && r.sig !== undefined && r.key === keyId(pub) &&
          crypto.verify(null, Buffer.from(body, 'utf8'), pub, Buffer.from(r.sig, 'base64'));
        if (!okSig) {
          bad = true;
          problem(chainName, i + 1, 'bad_signature', `checkpoint ${i + 1} is ${r.sig === undefined ? 'not signed' : 'not signed by this key'}`);
          break;
        }
      }
      prev = sha256hex(text);
      records.push(r);
    }
    if (torn > 0 && !bad) {
      const frag = chainText.slice(chainText.length - torn);
      // A crash tears a record before its newline; a complete record without one was edited.
      if (parseRecord(frag) !== undefined || parseRecord(frag.slice(0, -1)) !== undefined) problem(chainName, lines.length + 1, 'modified', 'the last checkpoint was altered');
      else problem(chainName, lines.length + 1, 'torn_tail', 'the last checkpoint was cut short by a crash');
    }
    out.files.push({ file: chainName, lines: lines.length, ok: !bad });
  }

  // Generations: a rotate record names its file by the link of its first line.
  const rotateByFirst = new Map<string, number>();
  const lastOfGen = new Map<number, { line: number; hash: string }>();
  const pruned = new Set<number>();
  let currentGen = 0;
  for (const r of records) {
    if (r.kind === 'prune') {
      if (r.pruned !== undefined) pruned.add(r.pruned);
      continue;
    }
    if (r.kind === 'rotate' && r.first !== undefined) rotateByFirst.set(r.first, r.gen);
    currentGen = Math.max(currentGen, r.kind === 'rotate' ? r.gen + 1 : r.gen);
    const l = lastOfGen.get(r.gen);
    if (r.line > 0 && (l === undefined || r.line >= l.line)) lastOfGen.set(r.gen, { line: r.line, hash: r.hash });
  }
  for (let i = files.length - 1; i >= 0; i--) {
    const f = files[i]!;
    const known = f.lines[0] === undefined ? undefined : rotateByFirst.get(f.lines[0].hash);
    f.gen = known ?? (i === files.length - 1 && names.includes(base) ? currentGen : (files[i + 1]?.gen ?? currentGen + 1) - 1);
  }

  // Files the checkpoints know of that are neither here nor pruned.
  const present = new Set(files.map((f) => f.gen));
  const missing = new Set<number>();
  for (const gen of lastOfGen.keys()) {
    if (!present.has(gen) && !pruned.has(gen)) {
      missing.add(gen);
      problem(currentGen - gen === 0 ? base : `${base}.${currentGen - gen}${backups.some((b) => b.gz) ? '.gz' : ''}`, 0, 'missing_file',
        `the file of generation ${gen} (${lastOfGen.get(gen)!.line} lines) is gone and retention did not delete it`);
    }
  }

  // ---- the chain, line by line ----
  let prev: string | undefined;
  if (files.length > 0) {
    const g = files[0]!.gen;
    prev = g === 0 ? GENESIS : lastOfGen.get(g - 1)?.hash;
  }
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    const before = problems.length;
    const chained = f.lines.some((l) => l !== undefined);
    if (f.unreadable !== undefined) {
      problem(f.name, 1, f.unreadable.includes('end') ? 'truncated' : 'modified', `cannot be decompressed: ${f.unreadable}`);
    } else if (!chained && f.lines.length > 0 && f.name !== base && !lastOfGen.has(f.gen)) {
      // A backup written before daybook chained lines (the writer moves such a file aside and
      // starts the chain in a new one): nothing to check, nothing to link from.
      prev = undefined;
    } else {
      const lastChecked = lastOfGen.get(f.gen);
      const skipFirst = fi > 0 && problemsIn(problems, files[fi - 1]!.name);
      prev = checkLines(f, prev, lastChecked, skipFirst || (fi > 0 && missing.has(f.gen - 1)), problem);
      if (problems.length === before && lastChecked !== undefined) checkRecords(f, records, problem);
    }
    out.files.push({ file: f.name, lines: f.lines.length, ok: problems.slice(before).every((p) => p.kind === 'torn_tail'), ...(chained || f.lines.length === 0 ? {} : { chained: false }) });
  }
  out.problems.push(...problems);
}

function problemsIn(problems: readonly VerifyProblem[], file: string): boolean {
  return problems.some((p) => p.file === file && p.kind !== 'torn_tail');
}

async function readLogFile(driver: FileDriver, dir: string, name: string, gz: boolean): Promise<LogFileData> {
  const f: LogFileData = { name, lines: [], partial: false, gen: 0 };
  let text: string;
  try {
    const raw = await driver.readFile(join(dir, name));
    text = (gz ? gunzipSync(raw) : raw).toString('utf8');
  } catch (e) {
    f.unreadable = (e as Error).message;
    return f;
  }
  const parts = text.split('\n');
  const tail = parts.pop()!;
  f.partial = tail !== '';
  f.lines = parts.map((l) => splitLink(l));
  if (f.partial) f.lines.push(splitLink(tail));
  return f;
}

/**
 * Walks one file's links from `prev` (undefined: the first line is taken on trust, its
 * predecessor being unknown). Reports the first break, named by what the lines around it
 * show, and returns the link the next file must continue from.
 */
function checkLines(
  f: LogFileData,
  prev: string | undefined,
  lastChecked: { line: number; hash: string } | undefined,
  skipFirst: boolean,
  problem: (file: string, line: number, kind: DamageKind, message: string) => void,
): string | undefined {
  const L = f.lines;
  const n = L.length;
  for (let i = 0; i < n; i++) {
    const l = L[i];
    const isTail = f.partial && i === n - 1;
    if (isTail) {
      // Bytes after the last newline. A crash leaves them only past every checkpoint.
      if (lastChecked !== undefined && lastChecked.line >= i + 1) problem(f.name, i + 1, 'truncated', `line ${i + 1} was cut short; a checkpoint vouched for ${lastChecked.line} lines`);
      else problem(f.name, i + 1, 'torn_tail', `line ${i + 1} is incomplete: the writer was killed while writing it (not tampering)`);
      return prev;
    }
    if (l === undefined) {
      problem(f.name, i + 1, 'modified', `line ${i + 1} carries no valid hash link`);
      return L[n - 1]?.hash;
    }
    if (prev === undefined || link(prev, l.content) === l.hash) {
      prev = l.hash;
      continue;
    }
    if (i === 0 && skipFirst) {
      prev = l.hash;
      continue;
    }
    const kind = classify(L, i, prev, f, lastChecked);
    problem(f.name, i + 1, kind, `line ${i + 1} does not follow line ${i === 0 ? 'before it (previous file)' : i}: ${kind}`);
    return lastHash(L);
  }
  return prev;
}

function lastHash(L: readonly (Line | undefined)[]): string | undefined {
  for (let i = L.length - 1; i >= 0; i--) if (L[i] !== undefined) return L[i]!.hash;
  return undefined;
}

/** What a break at line `i` (whose predecessor's link is `prev`) looks like. */
function classify(L: readonly (Line | undefined)[], i: number, prev: string, f: LogFileData, lastChecked: { line: number; hash: string } | undefined): DamageKind {
  const end = Math.min(L.length, i + WINDOW);
  const follows = (p: string, k: number): boolean => {
    const l = L[k];
    return l !== undefined && link(p, l.content) === l.hash;
  };
  // A later line continues from `prev`: the lines between were put there, or moved there.
  for (let j = i + 1; j < end; j++) {
    if (!follows(prev, j)) continue;
    for (let m = j; m < end; m++) {
      const lm = L[m];
      if (lm !== undefined && follows(lm.hash, i)) return 'reordered';
    }
    // A line that appears twice was duplicated: inserted.
    return 'inserted';
  }
  // A line that belongs later was moved up.
  for (let m = Math.max(0, i - WINDOW); m < end; m++) {
    const lm = L[m];
    if (m !== i - 1 && lm !== undefined && follows(lm.hash, i)) return 'reordered';
  }
  // The line keeps its original link (its successor accepts it) but not its predecessor:
  // either its own bytes changed or lines before it are gone. A checkpoint counts lines.
  if (lastChecked !== undefined) {
    const at = L.findIndex((l) => l?.hash === lastChecked.hash);
    if (at >= 0 && at + 1 < lastChecked.line) return 'deleted';
    if (at >= 0 && at + 1 > lastChecked.line) return 'inserted';
  }
  void f;
  return 'modified';
}

/** Each checkpoint of this file's generation must still match the line it vouched for. */
function checkRecords(f: LogFileData, records: readonly CheckpointRecord[], problem: (file: string, line: number, kind: DamageKind, message: string) => void): void {
  const complete = f.partial ? f.lines.length - 1 : f.lines.length;
  for (const r of records) {
    if (r.gen !== f.gen || !CHECKED.has(r.kind) || r.line === 0) continue;
    if (r.line > complete) {
      problem(f.name, complete + 1, 'truncated', `a ${r.kind} checkpoint vouched for ${r.line} lines; ${complete} remain`);
      return;
    }
    if (f.lines[r.line - 1]?.hash !== r.hash) {
      const at = f.lines.findIndex((l) => l?.hash === r.hash);
      const kind: DamageKind = at < 0 ? 'modified' : at + 1 < r.line ? 'deleted' : 'inserted';
      problem(f.name, Math.min(r.line, at < 0 ? r.line : at + 1), kind, `line ${r.line} is not the line a ${r.kind} checkpoint vouched for (the chain was rewritten)`);
      return;
    }
  }
}
