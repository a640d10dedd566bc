import { basename, extname } from 'node:path';

export interface CallerInfo {
  module: string;
  function: string;
  line: number;
}

const UNKNOWN: CallerInfo = { module: '<unknown>', function: '<unknown>', line: 0 };

/**
 * The code that called into daybook, `skip` frames above `below`. Only used where a user asked
 * for it (verbose console format, `captureCaller`): a stack capture costs microseconds.
 */
export function callerOf(below: Function, skip = 0): CallerInfo {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = skip + 1;
    Error.prepareStackTrace = (_e, sites) => sites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, below);
    const site = holder.stack?.[skip];
    if (site === undefined) return UNKNOWN;
    const file = site.getFileName() ?? '<anonymous>';
    return {
      module: basename(file, extname(file)),
      function: site.getFunctionName() ?? '<module>',
      line: site.getLineNumber() ?? 0,
    };
  } catch {
    return UNKNOWN;
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}
