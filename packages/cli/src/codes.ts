/** The command line's own codes (the packages it runs keep theirs); documented in docs/errors.md. */
export const CLI_CODES = {
  DAYBOOK_E_REPORT_NO_LOGS: 'Point --dir at the directory the bot logs into (the one holding audit.log or <app>.log), or run `npm start` for the demo\'s logs.',
} as const;

export type CliCode = keyof typeof CLI_CODES;
