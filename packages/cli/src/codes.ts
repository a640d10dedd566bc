/** The command line's own codes (the packages it runs keep theirs); documented in docs/errors.md. */
export const CLI_CODES = {
  DAYBOOK_E_TRADE_NOT_FOUND: 'Run `daybook trades` with the same --dir and range (--from/--to) to list the trades and their ids: --id takes a trade_id or a position_id; widen the range if the trade is older.',
  DAYBOOK_E_REPORT_NO_LOGS: 'Point --dir at the directory the bot logs into (the one holding audit.log or <app>.log), or run `npm start` for the demo\'s logs.',
} as const;

export type CliCode = keyof typeof CLI_CODES;
