import { parseRange, type TimeRange } from '@daybook/analytics';
import { ServerError } from './errors.js';

/** The range of `start_date`..`end_date` (metrics.md), or a 400 naming the field at fault. */
export function rangeOf(start: string | undefined, end: string | undefined): TimeRange {
  for (const [field, value, side] of [['start_date', start, 'start'], ['end_date', end, 'end']] as const) {
    try {
      if (side === 'start') parseRange(value, undefined);
      else parseRange(undefined, value);
    } catch {
      throw new ServerError('DAYBOOK_E_SERVER_BAD_DATE', `${field} "${value}" is not a calendar date or timestamp`, { field });
    }
  }
  try {
    return parseRange(start, end);
  } catch {
    throw new ServerError('DAYBOOK_E_SERVER_BAD_DATE', `end_date ${end} is before start_date ${start}`, { field: 'end_date' });
  }
}

/** A `date` parameter: a calendar day YYYY-MM-DD, or a 400 naming it. */
export function checkDay(date: string): void {
  try {
    parseRange(date, date);
  } catch {
    throw new ServerError('DAYBOOK_E_SERVER_BAD_DATE', `date "${date}" is not a calendar date`, { field: 'date' });
  }
}
