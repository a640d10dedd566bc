import { basename, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallerInfo {
  module: string;
  function: string;
  line: number;
}

const UNKNOWN: CallerInfo = { module: '<unknown>', function: '<unknown>', line: 0 };
/** daybook's own frames are skipped, however deep the call went inside the package. */
const OWN_DIR = dirname(fileURLToPath(import.meta.url));
const OWN_URL = 'file://' + OWN_DIR;
const isOwn = (file: string): boolean =>
  (file.startsWith(OWN_DIR) || file.startsWith(OWN_URL)) && !/\.test\.js$/.test(file);

/**
 * The first frame outside daybook below `below`. Only used where a user asked for it
 * (verbose console format, `captureCaller`): a stack capture costs microseconds.
 */
export function callerOf(below: Function): CallerInfo {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 12;
    Error.prepareStackTrace = (_e, sites) => sites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, below);
    const site = holder.stack?.find((s) => !isOwn(s.getFileName() ?? ''));
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
