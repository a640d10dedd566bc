import assert from 'node:assert/strict';
import { appendFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { LogAnalyzer } from './analyzer.js';
import type { EventSet } from './event-set.js';
import type { LogListing } from './reader.js';
import { FileSource } from './source.js';
import { ev, lines, tempDir } from './test/helpers.js';

/** A FileSource whose next listing is followed by `between` (a rotation) before the files are read: the real listing, then a real rename. */
class RacedSource extends FileSource {
  between: (() => void) | undefined;
  protected override list(): LogListing {
    const listing = super.list();
    const run = this.between;
    this.between = undefined;
    run?.();
    return listing;
  }
}

const events = (from: number, n: number) => Array.from({ length: n }, (_, i) => ev({ timestamp: new Date(Date.UTC(2024, 0, 1) + (from + i) * 1000).toISOString(), event_type: 'api_call', component: 'api', metadata: { latency_ms: 10 } }));
const counted = (set: EventSet) => set.keep.reduce((n, k) => n + k.filter((x) => x === 1).length, 0);

it('a rotation between the listing and the read neither takes the new file for the old, nor starts the reading over, nor leaves the renamed file\'s new lines out', async () => {
  const dir = tempDir();
  const log = join(dir, 'audit.log');
  writeFileSync(log, lines(events(0, 100)));
  const source = new RacedSource(dir, { persist: false });
  const first = await source.load();
  assert.equal(counted(first), 100);

  // The bot appends 50 lines; the listing sees them in audit.log; then, before the read, the
  // logger rotates: audit.log becomes audit.log.1 and a new audit.log gets 10 lines.
  appendFileSync(log, lines(events(100, 50)));
  source.between = () => {
    renameSync(log, join(dir, 'audit.log.1'));
    writeFileSync(log, lines(events(150, 10)));
  };
  const raced = await source.load();
  // What the listing named is no longer where it was read (before, the new file's 10 lines were
  // taken for it, and its 100 lines were gone); the load lists again and reads it on under its
  // new name: its 50 new lines are in this load, not only the next one's (an alert evaluated
  // then counted too few).
  assert.equal(counted(raced), 160, 'every line, each once');

  const after = await source.load();
  assert.equal(counted(after), 160, 'every line, each once');
  // The renamed file was read on from where it was, not again from its start: the first
  // read's segment is still in the raced load's set (a reading started over has none of its
  // segments; a later load may merge it with the next, a backup's segments into one).
  assert.ok(raced.segments.includes(first.segments[0]!), 'the first segment is kept');
  assert.equal((await new LogAnalyzer(dir, { source }).getSystemMetrics()).total_events, 160);
});

it('a backup deleted between the listing and the read (retention): the load says so and counts the rest, and the next load no longer names it', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'audit.log.1'), lines(events(0, 40)));
  writeFileSync(join(dir, 'audit.log'), lines(events(40, 60)));
  const source = new RacedSource(dir, { persist: false });
  source.between = () => unlinkSync(join(dir, 'audit.log.1'));
  const raced = await source.load();
  assert.equal(counted(raced), 60);
  // A warning that names the file (a report then covers the others), not an error, and not silence.
  assert.deepEqual(raced.problems.map((p) => [p.file, p.code]), [[join(dir, 'audit.log.1'), 'DAYBOOK_W_READ_FILE']]);
  const after = await source.load();
  assert.equal(counted(after), 60);
  assert.deepEqual(after.problems, []);
});

it('a directory renamed under every read (it rotates faster than it is read): the load lists again three times, then answers with what it has', async () => {
  const dir = tempDir();
  const log = join(dir, 'audit.log');
  writeFileSync(log, lines(events(0, 10)));
  let listings = 0;
  let n = 10;
  let rotating = true;
  class Rotating extends FileSource {
    protected override list(): LogListing {
      const listing = super.list();
      if (!rotating) return listing;
      listings++;
      appendFileSync(log, lines(events(n, 5)));
      renameSync(log, join(dir, `audit.log.${listings}`));
      writeFileSync(log, lines(events((n += 5), 1)));
      n++;
      return listing;
    }
  }
  const source = new Rotating(dir, { persist: false });
  const set = await source.load();
  assert.equal(listings, 4, 'the first listing and three more');
  // The files renamed under the first three reads, read under their new names (15 + 6 + 6
  // lines); the one renamed under the last (6) and the new audit.log (1) wait for the next load.
  assert.equal(counted(set), 27);
  rotating = false;
  assert.equal(counted(await source.load()), 34, 'every line, each once');
});
