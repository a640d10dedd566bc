import { writeFileSync } from 'node:fs';
import { defineCommand, parseCommand, usageError } from '../args.js';

export const command = () => defineCommand('audit', '[path] [--json] [--report FILE]',
  `Reads the TypeScript/JavaScript codebase at path (default: .), finds its applications
(package.json bin and scripts, files that call main(), listen or loop forever) and the modules they
reach, classifies each app as critical or utility, and reports its logging gaps: critical apps with
no file log, working modules of critical apps that log nothing, console.* in critical code,
swallowed errors, unhandled rejections, loggers created in several places, orders with no audit
event beside them.`,
  `Classification: daybook.config.json or the "daybook" key of package.json
  { "critical": ["name", "/pattern/i"], "utility": [...], "apps": { "src/x.ts": "name" },
    "entries": ["src/extra.ts"], "ignore": ["generated"] }

Exit status: 0 no critical issue, 1 critical issues found, 2 bad usage.`)
  .argument('[path]', 'the codebase (default .)')
  .allowExcessArguments(true)
  .option('--json', 'print the report as JSON')
  .option('--report <file>', 'also write the JSON report to FILE');

export async function run(argv: string[]): Promise<number> {
  const cmd = command();
  const parsed = parseCommand(cmd, argv);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length > 1) return usageError(cmd, 'one path at most');
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
