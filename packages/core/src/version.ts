/** Written into `system_start` so a log says which daybook wrote it. */
export const VERSION = '0.1.0';
