import { createDispatcher, type NotifyDispatcher } from './notify/dispatcher.js';
import { SilenceStore } from './silences.js';
import type { AlertAudit, RulesFile } from './types.js';

/**
 * The dispatcher of `daybook alert` and `daybook serve --rules`: notify/'s, with the silences
 * and the notification log of the state directory (beside state.json), so that a restart
 * neither repeats nor forgets a notification. `once`: no process stays for group_wait, so
 * every group with something to tell is told now (repeat_interval still holds).
 */
export function dispatcherFor(rules: RulesFile, audit: AlertAudit, o: { stateDir: string; once?: boolean; externalURL?: string }): NotifyDispatcher {
  return createDispatcher({
    receivers: rules.receivers,
    route: rules.route,
    rules: rules.rules,
    silences: new SilenceStore(o.stateDir, { audit }),
    audit,
    stateDir: o.stateDir,
    immediate: o.once === true,
    ...(o.externalURL === undefined ? {} : { externalURL: o.externalURL }),
  });
}
