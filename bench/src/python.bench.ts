// `npm run bench -- python`: analytics.bench.ts on a directory in the Python DayBot's format
// (python-gen.ts, ~300 MiB: five files repeating each event by level, micro-second `+00:00`
// timestamps, rotated at 50 MB, no hash chain). The same contenders and tables; each repeated
// report (DAYBOOK_BENCH_REPEATS cycles, default 5) follows 5,000 events appended as the Python bot did.
import { main as analytics } from './analytics.bench.js';

export function main(): Promise<void> {
  return analytics('python');
}
