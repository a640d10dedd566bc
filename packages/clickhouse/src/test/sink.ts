import { BAD_LINE_KINDS, type BadLineCounts, type LineSink } from '@daybook/analytics';

/** A LineSink that hands each event to `onEvent` (and each app text line to `onAppLine`) and counts the rest. */
export function emptyBadLinesSink(onEvent: (o: Record<string, unknown>, ts: number) => void, onAppLine: LineSink['addAppLine'] = () => undefined): LineSink {
  return {
    bad: Object.fromEntries(BAD_LINE_KINDS.map((k) => [k, 0])) as unknown as BadLineCounts,
    add: onEvent,
    addAppLine: onAppLine,
  };
}
