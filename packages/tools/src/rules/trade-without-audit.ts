import type { Project } from '../project.js';
import { inCriticalCode, type Finding, type Rule } from './rule.js';

/**
 * An order placed with no audit event in the same function. Wrappers (a function that is
 * itself named like an order call) are skipped: their callers are the ones to audit.
 */
export const tradeWithoutAudit: Rule = {
  id: 'trade-without-audit',
  recommendation: 'Record every order with an audit event next to it (audit.logTradeEntry / logTradeExit from @daybook/core).',
  check(project: Project): Finding[] {
    return inCriticalCode(project, this.id, 'warning', (f) => f.unauditedTrades.map((t) => ({ line: t.line, message: `${t.name}() with no audit event in the same function` })));
  },
};
