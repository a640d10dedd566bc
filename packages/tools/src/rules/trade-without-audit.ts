import { isCriticalFile, type Project } from '../project.js';
import type { Finding, Rule } from './rule.js';

/**
 * An order placed with no audit event in the same function. Wrappers (a function that is
 * itself named like an order call) are skipped: their callers are the ones to audit.
 */
export const tradeWithoutAudit: Rule = {
  id: 'trade-without-audit',
  recommendation: 'Record every order with an audit event next to it (audit.logTradeEntry / logTradeExit from @daybook/core).',
  check(project: Project): Finding[] {
    const out: Finding[] = [];
    for (const [path, f] of project.files) {
      if (!isCriticalFile(project, path)) continue;
      for (const t of f.facts.unauditedTrades) {
        out.push({ file: path, line: t.line, rule: this.id, severity: 'warning', message: `${t.name}() with no audit event in the same function` });
      }
    }
    return out;
  },
};
