import { writeFileSync } from 'node:fs';
import { parseCommand } from '../args.js';

const HELP = `Usage: daybook audit [path] [--json] [--report FILE]

Reads the TypeScript/JavaScript codebase at path (default: .), finds its applications
(package.json bin and scripts, files that call main(), listen or loop forever) and the
modules they reach, classifies each app as critical or utility, and reports its logging gaps:
critical apps with no file log, working modules of critical apps that log nothing,
console.* in critical code, swallowed errors, unhandled rejections, loggers created in
several places, orders with no audit event beside them.

Options:
  --json          print the report as JSON
  --report FILE   also write the JSON report to FILE

Classification: daybook.config.json or the "daybook" key of package.json
  { "critical": ["name", "/pattern/i"], "utility": [...], "apps": { "src/x.ts": "name" },
    "entries": ["src/extra.ts"], "ignore": ["generated"] }

Exit status: 0 no critical issue, 1 critical issues found, 2 bad usage.
`;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseCommand('audit', HELP, argv, { json: { type: 'boolean' }, report: { type: 'string' } }, true);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    process.stderr.write(`daybook audit: one path at most\n\n${HELP}`);
    return 2;
  }
  const { audit, formatAuditReport, ToolsError } = await import('@daybook/tools');
  let report;
  try {
    report = audit(positionals[0] ?? '.');
  } catch (e) {
    process.stderr.write(`daybook audit: ${(e as Error).message}\n`);
    return e instanceof ToolsError && e.isUsage ? 2 : 1;
  }
  const json = JSON.stringify(report, null, 2) + '\n';
  if (typeof values.report === 'string') writeFileSync(values.report, json);
  process.stdout.write(values.json === true ? json : formatAuditReport(report));
  return report.critical_issues.length > 0 ? 1 : 0;
}
