import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CodedError } from '@daybook/core';
import { AlertError } from './errors.js';
import type { AlertAudit, Silence } from './types.js';
import { NOTIFY_CODES, problemLine } from './notify/codes.js';
import { readJson, writeJsonAtomic } from './notify/state-file.js';
import { parseDuration } from './duration.js';
import { isLabelName, labelOf } from './notify/labels.js';

/**
 * Silences, as Alertmanager's: a set of label matchers (equality; `alertname` included) and a
 * time span. An alert whose labels match every matcher of a silence active now is not
 * notified (nor counted against its receiver's rate limit); its firing and resolution are
 * still evaluated and written to the audit trail. Kept in `stateDir/silences.json`, written
 * atomically, read again by a running dispatcher when the file changes, so that
 * `daybook alert silence add` takes effect on a running `daybook alert`.
 */

export type SilenceState = 'pending' | 'active' | 'expired';

export interface SilenceInput {
  matchers: Record<string, string>;
  /** Epoch ms; default now. */
  startsAt?: number;
  /** Epoch ms; or give `duration`. */
  endsAt?: number;
  /** Milliseconds from startsAt. */
  duration?: number;
  createdBy: string;
  comment: string;
}

/** Expired silences are kept this long (for `list --all`), then removed (as Alertmanager's retention). */
export const SILENCE_RETENTION_MS = 5 * 24 * 3600_000;


export class SilenceError extends CodedError<'DAYBOOK_E_ALERT_SILENCE'> {
  constructor(message: string) {
    super('SilenceError', 'DAYBOOK_E_ALERT_SILENCE', NOTIFY_CODES.DAYBOOK_E_ALERT_SILENCE, message);
  }
}

export function silenceState(s: Silence, now: number): SilenceState {
  if (Date.parse(s.endsAt) <= now) return 'expired';
  return Date.parse(s.startsAt) > now ? 'pending' : 'active';
}

export function silenceMatches(s: Silence, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(s.matchers)) if (labelOf(labels, k) !== v) return false;
  return true;
}

/** `alertname=HighErrorCount` (repeatable) as matchers; quotes around the value are dropped. */
export function parseMatchers(texts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of texts) {
    const i = t.indexOf('=');
    const name = i < 0 ? '' : t.slice(0, i).trim();
    if (i < 0 || !isLabelName(name) || t[i + 1] === '~' || t[i - 1] === '!') {
      throw new SilenceError(`matcher '${t}' is not name=value (equality only; a label name is letters, digits and _, not starting with __)`);
    }
    out[name] = t.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  if (Object.keys(out).length === 0) throw new SilenceError('a silence needs at least one matcher, such as alertname=HighErrorCount');
  return out;
}

/** A Prometheus-style duration (2h, 30m, 1h30m, 1d), or an error saying what one looks like. */
export function silenceDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new SilenceError(`duration '${text}' is not like 2h, 30m, 1h30m or 1d`);
  return ms;
}

interface SilencesFile {
  version: 1;
  silences: Silence[];
}

/**
 * The silences of one state directory. Each change reads the file again first and writes it
 * whole: two commands adding silences one after the other both land.
 */
export class SilenceStore {
  readonly path: string;
  private silences: Silence[] = [];
  /** The file as last read (mtime and size): read again when either changed. */
  private seen = '';
  private warned = false;

  constructor(stateDir: string, private readonly o: { audit?: AlertAudit; warn?: (line: string) => void } = {}) {
    this.path = join(stateDir, 'silences.json');
  }

  /** Every silence in the file (expired ones for SILENCE_RETENTION_MS), oldest first. Throws on a damaged file: an empty list would say there is none. */
  list(): Silence[] {
    this.reload(true);
    return [...this.silences];
  }

  /** The silence active now whose matchers all match these labels, if any. */
  silencing(labels: Readonly<Record<string, string>>, now: number): Silence | undefined {
    this.reload();
    return this.silences.find((s) => silenceState(s, now) === 'active' && silenceMatches(s, labels));
  }

  async add(input: SilenceInput, now: number): Promise<Silence> {
    const startsAt = input.startsAt ?? now;
    const endsAt = input.endsAt ?? (input.duration === undefined ? NaN : startsAt + input.duration);
    if (Object.keys(input.matchers).length === 0) throw new SilenceError('a silence needs at least one matcher, such as alertname=HighErrorCount');
    if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt)) throw new SilenceError('a silence needs a start and an end (or a duration)');
    if (endsAt <= startsAt) throw new SilenceError(`the silence would end (${new Date(endsAt).toISOString()}) before it starts (${new Date(startsAt).toISOString()})`);
    if (endsAt <= now) throw new SilenceError(`the silence would end in the past (${new Date(endsAt).toISOString()})`);
    const s: Silence = {
      id: randomUUID(), matchers: { ...input.matchers }, startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString(),
      createdBy: input.createdBy, comment: input.comment,
    };
    await this.change(now, (list) => [...list, s]);
    this.o.audit?.silence(s, 'added');
    return s;
  }

  /** Ends a silence now. `id` may be a unique prefix of at least 8 characters (as `list` prints them). */
  async expire(id: string, now: number): Promise<Silence> {
    let ended: Silence | undefined;
    await this.change(now, (list) => {
      const found = list.filter((s) => s.id === id || (id.length >= 8 && s.id.startsWith(id)));
      if (found.length === 0) throw new SilenceError(`no silence ${id}; \`daybook alert silence list --all\` lists them`);
      if (found.length > 1) throw new SilenceError(`${id} is the start of ${found.length} silences' ids; give more of it`);
      const s = found[0]!;
      if (silenceState(s, now) === 'expired') throw new SilenceError(`silence ${s.id} already ended at ${s.endsAt}`);
      ended = { ...s, endsAt: new Date(now).toISOString() };
      return list.map((x) => (x === s ? ended! : x));
    });
    this.o.audit?.silence(ended!, 'expired');
    return ended!;
  }

  /** Changes are one at a time: each reads what the one before wrote. */
  private changing: Promise<unknown> = Promise.resolve();

  private change(now: number, edit: (list: Silence[]) => Silence[]): Promise<void> {
    const next = this.changing.then(() => this.changeNow(now, edit));
    this.changing = next.catch(() => {});
    return next;
  }

  private async changeNow(now: number, edit: (list: Silence[]) => Silence[]): Promise<void> {
    this.reload(true);
    const next = edit(this.silences);
    const kept = next.filter((s) => Date.parse(s.endsAt) > now - SILENCE_RETENTION_MS);
    const removed = next.filter((s) => !kept.includes(s));
    try {
      await writeJsonAtomic(this.path, { version: 1, silences: kept } satisfies SilencesFile);
    } catch (e) {
      throw new AlertError('DAYBOOK_E_ALERT_STATE', `cannot write ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    this.silences = kept;
    this.seen = this.stamp();
    for (const s of removed) this.o.audit?.silence(s, 'removed');
  }

  private stamp(): string {
    try {
      const st = statSync(this.path);
      return `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return 'none';
    }
  }

  /** Reads the file when it changed. A damaged file throws for a change (never overwrite what a person may want back) and is reported once for matching (the last good silences stay). */
  private reload(strict = false): void {
    const stamp = this.stamp();
    if (stamp === this.seen && !strict) return;
    try {
      const raw = readJson(this.path) as SilencesFile | undefined;
      if (raw !== undefined && (raw === null || raw.version !== 1 || !Array.isArray(raw.silences))) throw new Error('not a silences file of this version');
      this.silences = (raw?.silences ?? []).filter((s) => typeof s.id === 'string' && s.matchers !== null && typeof s.matchers === 'object');
      this.seen = stamp;
      this.warned = false;
    } catch (e) {
      if (strict) throw new AlertError('DAYBOOK_E_ALERT_STATE', `cannot read ${this.path}: ${(e as Error).message}; move it aside to start afresh`, { cause: e });
      if (!this.warned) (this.o.warn ?? ((l) => void process.stderr.write(l)))(problemLine(`cannot read ${this.path} (${(e as Error).message}); the silences read before stay in force`, 'DAYBOOK_E_ALERT_STATE'));
      this.warned = true;
      this.seen = stamp;
    }
  }
}
