import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GENESIS, link, withLink } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { exit, tempDir } from './test/helpers.js';

/** A chained audit.log of `events` and the links of its lines. */
function chained(events: readonly Record<string, unknown>[]): { text: string; links: string[] } {
  let h = GENESIS;
  const links: string[] = [];
  const text = events.map((e) => {
    const content = JSON.stringify(e);
    h = link(h, content);
    links.push(h);
    return withLink(content, h) + '\n';
  }).join('');
  return { text, links };
}

const record = (kind: string, gen: number, line: number, hash: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, kind, stream: 'audit.log', gen, line, hash, time: '2024-01-01T00:00:00.000Z', ...extra, prev: GENESIS }) + '\n';

const unvouched = <P extends { code: string }>(r: { read_problems: readonly P[] }): (P & { lines?: number })[] => r.read_problems.filter((p) => p.code === 'DAYBOOK_W_READ_UNVOUCHED');

function chainedDir(lines: number, records: (links: string[]) => string): { dir: string; links: string[] } {
  const dir = tempDir();
  const events = Array.from({ length: lines }, (_, i) => exit(`2024-01-0${1 + Math.floor(i / 2)}T10:0${i % 10}:00Z`, 1));
  const { text, links } = chained(events);
  writeFileSync(join(dir, 'audit.log'), text);
  mkdirSync(join(dir, '.daybook'));
  writeFileSync(join(dir, '.daybook', 'audit.log.chain'), records(links));
  return { dir, links };
}

describe('lines after the last checkpoint', () => {
  it('are counted, and named: how many, and their time span', async () => {
    // lines 1-3 vouched for; 4 and 5 (2024-01-02T10:03, 2024-01-03T10:04) not yet
    const { dir, links } = chainedDir(5, (l) => record('start', 0, 0, GENESIS) + record('checkpoint', 0, 3, l[2]!) + record('prune', 0, 7, l[0]!, { pruned: 0 }));
    const analyzer = new LogAnalyzer(dir, { persist: false });
    const r = await analyzer.getReport();
    assert.equal(r.trading_metrics.total_trades, 5);
    const u = unvouched(r);
    assert.equal(u.length, 1);
    assert.deepEqual({ ...u[0] }, {
      file: join(dir, 'audit.log'), code: 'DAYBOOK_W_READ_UNVOUCHED', lines: 2, first: '2024-01-02T10:03:00.000Z', last: '2024-01-03T10:04:00.000Z',
      message: `${join(dir, 'audit.log')}: 2 lines, from 2024-01-02T10:03:00.000Z to 2024-01-03T10:04:00.000Z come after the last checkpoint (3 lines vouched for): counted, but nothing vouches for them yet`,
    });
    // A ranged report names them only when its range holds some of them.
    assert.equal(unvouched(await analyzer.getReport('2024-01-01', '2024-01-01')).length, 0);
    assert.equal(unvouched(await analyzer.getReport('2024-01-03', '2024-01-03')).length, 1);
    assert.equal(unvouched(await analyzer.generateDailyReport('2024-01-02')).length, 1);

    // A checkpoint for them: nothing to say; more lines: said again (read from where it stopped).
    appendFileSync(join(dir, '.daybook', 'audit.log.chain'), record('checkpoint', 0, 5, links[4]!));
    assert.equal(unvouched(await analyzer.getReport()).length, 0);
    appendFileSync(join(dir, 'audit.log'), chained([exit('2024-01-04T10:00:00Z', 1)]).text.replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${'0'.repeat(64)}"`));
    const again = unvouched(await analyzer.getReport());
    assert.equal(again.length, 1);
    assert.match(again[0]!.message, /: 1 line, from 2024-01-04T10:00:00.000Z to 2024-01-04T10:00:00.000Z come after the last checkpoint \(5 lines vouched for\)/);
  });

  // Over random appends and checkpoints (times out of order, so the span is a min and a max;
  // ~2 MB), a kept analyzer must name what the lines say: the count and span of
  // those after the last vouched line. Two ways to know it: from the read's rows when they are
  // the file's lines one for one, else by parsing the unvouched lines; a broken line forces the second.
  for (const broken of [undefined, 3, 5000]) {
    it(`read again after appends and checkpoints, say what the lines say (${broken === undefined ? "the read's rows" : broken === 3 ? 'a broken line: parsed' : 'the rows, then parsed once a broken line comes'})`, async () => {
      let seed = broken ?? 11;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      const events = Array.from({ length: 9000 }, () => exit(new Date(Date.parse('2024-01-01T00:00:00Z') + Math.floor(rnd() * 86_400_000)).toISOString(), 1, { metadata: { note: 'x'.repeat(Math.floor(rnd() * 300)) } }));
      const { text, links } = chained(events);
      const lines = text.split('\n').slice(0, -1);
      if (broken !== undefined) lines[broken] = lines[broken]!.slice(0, 50); // not JSON: a bad line, still a line of the chain's count
      const full = lines.map((l) => l + '\n').join('');
      const ends: number[] = [0];
      for (let i = full.indexOf('\n'); i >= 0; i = full.indexOf('\n', i + 1)) ends.push(i + 1);
      const dir = tempDir();
      mkdirSync(join(dir, '.daybook'));
      const chain = join(dir, '.daybook', 'audit.log.chain');
      writeFileSync(chain, record('start', 0, 0, GENESIS));
      writeFileSync(join(dir, 'audit.log'), '');
      const kept = new LogAnalyzer(dir, { persist: false });
      let written = 0;
      let bytes = 0;
      let vouched = 0;
      for (let step = 0; step < 14; step++) {
        const upTo = Math.min(events.length, written + 200 + Math.floor(rnd() * 1200));
        // Sometimes the next line half written: not a line yet, read once it is complete.
        const to = ends[upTo]! + (rnd() < 0.3 && upTo < events.length ? 40 : 0);
        appendFileSync(join(dir, 'audit.log'), full.slice(bytes, to));
        bytes = to;
        written = upTo;
        if (rnd() < 0.7) {
          vouched = Math.min(written, vouched + Math.floor(rnd() * (written - vouched + 1)));
          if (vouched > 0) appendFileSync(chain, record('checkpoint', 0, vouched, links[vouched - 1]!));
        }
        const times = events.slice(vouched, written).filter((_, i) => vouched + i !== broken).map((e) => e.timestamp as string).sort();
        const want = written === vouched ? [] : [{ lines: written - vouched, first: new Date(times[0]!).toISOString(), last: new Date(times.at(-1)!).toISOString() }];
        const got = unvouched(await kept.getReport()).map((p) => ({ lines: p.lines, first: p.first, last: p.last }));
        assert.deepEqual(got, want, `step ${step}: ${written} lines, ${vouched} vouched`);
      }
    });
  }

  it('after a rotate record the current file is a new generation: none of its lines is vouched for', async () => {
    const { dir, links } = chainedDir(2, () => '');
    writeFileSync(join(dir, '.daybook', 'audit.log.chain'), record('rotate', 0, 9, 'f'.repeat(64), { first: 'e'.repeat(64) }));
    assert.equal(unvouched(await new LogAnalyzer(dir, { persist: false }).getReport())[0]!.lines, 2);
    // unless the rename failed and the writer kept writing the same file (its first line is the record's `first`)
    writeFileSync(join(dir, '.daybook', 'audit.log.chain'), record('rotate', 0, 1, links[0]!, { first: links[0]! }));
    assert.equal(unvouched(await new LogAnalyzer(dir, { persist: false }).getReport())[0]!.lines, 1);
  });

  it('an unchained directory, or every line vouched for: nothing to say', async () => {
    const { dir, links } = chainedDir(3, (l) => record('close', 0, 3, l[2]!));
    assert.deepEqual((await new LogAnalyzer(dir, { persist: false }).getReport()).read_problems, []);
    const plain = tempDir();
    writeFileSync(join(plain, 'audit.log'), chained([exit('2024-01-01T10:00:00Z', 1)]).text);
    assert.deepEqual((await new LogAnalyzer(plain, { persist: false }).getReport()).read_problems, []);
    assert.equal(links.length, 3);
  });

  it('the last record is read from the end of the checkpoint file, not the whole file', async () => {
    // 4 GiB of hole before the records: reading the whole file would fail (ERR_FS_FILE_TOO_LARGE)
    // or take minutes; the answer is in its last block.
    const { dir, links } = chainedDir(4, () => '');
    const chain = join(dir, '.daybook', 'audit.log.chain');
    truncateSync(chain, 4 * 1024 ** 3);
    appendFileSync(chain, '\n' + record('checkpoint', 0, 1, links[0]!) + 'x'.repeat(100_000) + '\n' + record('checkpoint', 0, 3, links[2]!));
    const u = unvouched(await new LogAnalyzer(dir, { persist: false }).getReport());
    assert.equal(u.length, 1);
    assert.match(u[0]!.message, /1 line, .*\(3 lines vouched for\)/);
  });
});
