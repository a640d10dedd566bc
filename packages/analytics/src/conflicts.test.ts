import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { link, GENESIS, withLink } from '@daybook/core';
import { LogAnalyzer } from './analyzer.js';
import { eventSetFromEvents } from './event-set.js';
import { exportEvents } from './export.js';
import { exit, tempDir } from './test/helpers.js';

/** Lines as a chained daybook file holds them: each with its link, its own chain per file. */
function chained(events: readonly Record<string, unknown>[], salt = ''): string {
  let h = salt === '' ? GENESIS : link(GENESIS, salt);
  return events.map((e) => {
    const content = JSON.stringify(e);
    h = link(h, content);
    return withLink(content, h) + '\n';
  }).join('');
}

const conflicts = (r: { read_problems: readonly { code: string; file: string; message: string }[] }) => r.read_problems.filter((p) => p.code === 'DAYBOOK_W_READ_ID_CONFLICT');

describe('duplicate event_ids', () => {
  it('identical copies (audit.log and a category view, each its own chain; a re-shipped copy) stay silently one event', async () => {
    const dir = tempDir();
    const a = exit('2024-01-01T10:00:00Z', 1);
    const b = exit('2024-01-01T11:00:00Z', 2);
    writeFileSync(join(dir, 'audit.log'), chained([a, b]));
    writeFileSync(join(dir, 'trades.log'), chained([b], 'another chain'));
    const other = tempDir();
    writeFileSync(join(other, 'audit.log.1.gz'), gzipSync(chained([a, b])));
    const r = await new LogAnalyzer([dir, other], { persist: false, readViews: true }).getReport();
    assert.equal(r.trading_metrics.total_pnl, 3);
    assert.deepEqual(r.read_problems, []);
  });

  it('copies that differ: the first in read order counts, every other is a problem naming the id and both files', async () => {
    const dir = tempDir();
    const a = exit('2024-01-01T10:00:00Z', 1);
    const forged = { ...a, pnl: 1000 };
    const b = exit('2024-01-01T11:00:00Z', 2);
    writeFileSync(join(dir, 'audit.log.1'), chained([a]));
    writeFileSync(join(dir, 'audit.log'), chained([b]));
    // The forged copy conflicts; the unchained copy of `a` is the same event (its link aside).
    // In another directory: beside audit.log, bot.log's events would not count at all (foreign.test.ts).
    const other = tempDir();
    writeFileSync(join(other, 'bot.log'), JSON.stringify(forged) + '\n' + JSON.stringify(a) + '\n');
    for (const options of [{ persist: false }, { persist: true }, { persist: true }, { cache: false, persist: false }]) {
      const r = await new LogAnalyzer([dir, other], options).getReport();
      assert.equal(r.trading_metrics.total_pnl, 3, JSON.stringify(options));
      const c = conflicts(r);
      assert.equal(c.length, 1, JSON.stringify(r.read_problems));
      assert.equal(c[0]!.file, join(other, 'bot.log'));
      assert.equal(c[0]!.message, `event_id ${a.event_id as string}: the copy in ${join(other, 'bot.log')} differs from the one counted (in ${join(dir, 'audit.log.1')}); it is not counted`);
    }
    const x = await exportEvents([dir, other], join(tempDir(), 'out.jsonl'));
    assert.equal(x.rows, 2);
    assert.deepEqual(x.read_problems.map((p) => p.message), [`event_id ${a.event_id as string}: the copy in ${join(other, 'bot.log')} differs from the one exported (in ${join(dir, 'audit.log.1')}); it is not exported`]);
  });

  it('a differing copy in a view that is mostly copies (compacted in memory) is still reported on the next load', async () => {
    const dir = tempDir();
    const events = Array.from({ length: 8 }, (_, i) => exit(`2024-01-01T1${i}:00:00Z`, 1));
    writeFileSync(join(dir, 'audit.log'), chained(events));
    // the view repeats them all, one of them changed: mostly copies, so compacted
    writeFileSync(join(dir, 'trades.log'), chained([...events.slice(0, 7), { ...events[7]!, pnl: 50 }], 'view'));
    const analyzer = new LogAnalyzer(dir, { persist: false, readViews: true });
    for (let i = 0; i < 2; i++) {
      const r = await analyzer.getReport();
      assert.equal(r.trading_metrics.total_pnl, 8);
      assert.equal(conflicts(r).length, 1);
    }
  });

  it('in memory too, and past twenty conflicts one more problem counts the rest', () => {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 25; i++) {
      const e = exit('2024-01-01T10:00:00Z', i);
      events.push(e, { ...e, pnl: -i - 1 });
    }
    const set = eventSetFromEvents(events);
    assert.equal(set.problems.length, 21);
    assert.match(set.problems[20]!.message, /^5 more copies of event_ids differ/);
  });
});
