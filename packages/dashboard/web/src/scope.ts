// The part of a fleet the page shows (fleet.ts sets it from the bot and host filters): every
// /audit request but the chain check and the fleet overview carries it (api.ts). Empty: all.
export const scope = { bot: '', host: '' };

/** `params` with the scope's bot and host added. */
export const scoped = <P extends Record<string, unknown>>(params: P): P & { bot?: string; host?: string } =>
  ({ ...params, bot: scope.bot === '' ? undefined : scope.bot, host: scope.host === '' ? undefined : scope.host });
