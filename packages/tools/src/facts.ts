import ts from 'typescript';
import { classifyApp, type ClassificationConfig } from '@daybook/core';

/** Where a file's logging goes, read from its syntax tree (never from its text). */
export type LoggerLibrary = 'daybook' | 'daybook-audit' | 'winston' | 'pino' | 'bunyan' | 'log4js' | 'fastify';

export interface LoggerCreation {
  line: number;
  library: LoggerLibrary;
  /** False when every destination is the console (or nothing was configured). */
  fileDestination: boolean;
  /** The variable it is assigned to, when it is `const x = create(...)`. */
  variable?: string;
  /** Exported from its module (a shared logger other modules import), or made in an exported function. */
  exported: boolean;
  /** The literal name given to a daybook setup call. */
  appName?: string;
  node: ts.CallExpression;
}

export interface ConsoleCall {
  line: number;
  method: string;
  node: ts.CallExpression;
}

export interface ProcessStart {
  line: number;
  kind: 'main' | 'listen' | 'loop' | 'guard';
}

export interface FileFacts {
  /** Module specifiers: imports, re-exports, dynamic imports and require(). */
  imports: string[];
  syntaxErrors: { line: number; message: string }[];
  consoleCalls: ConsoleCall[];
  creations: LoggerCreation[];
  /** Calls such as `logger.info(...)`, `request.log.error(...)`, `audit.logTradeEntry(...)`. */
  logCalls: number;
  swallowedCatches: number[];
  /** `process.on('unhandledRejection' | 'uncaughtException', ...)` seen in this file. */
  processHandlers: Set<string>;
  start: ProcessStart | undefined;
  /** Awaits, try/throw, timers or a server: code whose failures someone will need to read about. */
  doesWork: boolean;
  /** Order-placing calls with no audit call in the same function. */
  unauditedTrades: { line: number; name: string }[];
  /** ES module syntax (import/export) rather than CommonJS. */
  esm: boolean;
  /** Functions that decide (a limit compared, a branch taken) and are named for it, or live in a module named for it (risk, limits, guard...). */
  decisions: Decision[];
  /** Every named call, and whether the function it runs in (a callback's: the one handing it over) logs. */
  calls: CallSite[];
}

export interface Decision {
  name: string;
  line: number;
}

export interface CallSite {
  name: string;
  line: number;
  logged: boolean;
}

// A module or function named for a decision: the risk manager of the Drift summary logged nothing at all.
const DECISION_MODULE = /risk|limit|guard|exposure|breaker|kill.?switch|compliance|approv|sanity/i;
const DECISION_FUNCTION = /^(check|validate|approve|allow|permit|reject|veto|can|should|may|within|exceeds?|breach)(?![a-z])|Risk|Limit|Exposure|Allowed|Approv|Halt/;
const COMPARISON = new Set([ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken]);

const LOGGER_MODULES: Readonly<Record<string, LoggerLibrary>> = {
  winston: 'winston', pino: 'pino', bunyan: 'bunyan', log4js: 'log4js', fastify: 'fastify', '@daybook/core': 'daybook',
};

/** The logging library a module specifier names, if any (own entries: `import x from 'constructor'` names none). */
const loggerLibraryOf = (specifier: string): LoggerLibrary | undefined => (Object.hasOwn(LOGGER_MODULES, specifier) ? LOGGER_MODULES[specifier] : undefined);
const DAYBOOK_SETUPS = new Set(['setupCriticalLogging', 'setupUtilityLogging', 'setupLogging', 'initializeAuditLogger']);
const LOG_METHODS = new Set(['debug', 'info', 'warn', 'warning', 'error', 'critical', 'fatal', 'trace', 'log']);
const LOGGER_RECEIVER = /log|audit/i;
const START_NAME = /^(main|start|run|bootstrap|serve|launch)([A-Z_]\w*)?$/;
export const TRADE_CALL = /^(place|submit|send|cancel|modify|create)([A-Z]\w*)?Orders?$/;
const AUDIT_CALL = /^log(Trade|Position|Order)\w*$/;
const FILE_TRANSPORT = /(^|\.)(File|DailyRotateFile)$/;

export function scriptKindOf(path: string): ts.ScriptKind {
  if (path.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (/\.[cm]?ts$/.test(path)) return ts.ScriptKind.TS;
  if (path.endsWith('.jsx')) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

export function parseSource(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKindOf(path));
}

/** Syntax errors the parser found (empty for a file that parses). */
export function syntaxErrors(sf: ts.SourceFile): { line: number; message: string }[] {
  const diags = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  return diags.map((d) => ({
    line: d.start === undefined ? 1 : sf.getLineAndCharacterOfPosition(d.start).line + 1,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

export const lineOf = (sf: ts.SourceFile, node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

const isFunctionLike = (n: ts.Node): n is ts.SignatureDeclaration & { body?: ts.Node } =>
  ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) ||
  ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) || ts.isSetAccessorDeclaration(n);

/** Visits `node`'s descendants without entering nested functions. */
function forEachInBody(node: ts.Node, visit: (n: ts.Node) => void): void {
  const walk = (n: ts.Node): void => {
    visit(n);
    if (!isFunctionLike(n)) ts.forEachChild(n, walk);
  };
  ts.forEachChild(node, walk);
}

function anyDescendant(node: ts.Node, test: (n: ts.Node) => boolean): boolean {
  let found = false;
  const walk = (n: ts.Node): void => {
    if (found) return;
    if (test(n)) found = true;
    else ts.forEachChild(n, walk);
  };
  ts.forEachChild(node, walk);
  return found;
}

/** `a.b.c` → `c`; `a` → `a`; anything else → undefined. */
function lastName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (e.kind === ts.SyntaxKind.ThisKeyword) return 'this';
  return undefined;
}

function calleeName(call: ts.CallExpression): string | undefined {
  return lastName(call.expression);
}

const isConsole = (e: ts.Expression): boolean => ts.isIdentifier(e) && e.text === 'console';

/** Identifiers bound by imports or require() of a logging library, and what they are. */
function loggerBindings(sf: ts.SourceFile): Map<string, { library: LoggerLibrary; imported: string }> {
  const out = new Map<string, { library: LoggerLibrary; imported: string }>();
  const bindName = (name: ts.BindingName, library: LoggerLibrary): void => {
    if (ts.isIdentifier(name)) out.set(name.text, { library, imported: '*' });
    else if (ts.isObjectBindingPattern(name)) {
      for (const el of name.elements) {
        if (!ts.isIdentifier(el.name)) continue;
        const imported = el.propertyName !== undefined && ts.isIdentifier(el.propertyName) ? el.propertyName.text : el.name.text;
        out.set(el.name.text, { library, imported });
      }
    }
  };
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const library = loggerLibraryOf(n.moduleSpecifier.text);
      const clause = n.importClause;
      if (library !== undefined && clause !== undefined && !clause.isTypeOnly) {
        if (clause.name !== undefined) out.set(clause.name.text, { library, imported: 'default' });
        const nb = clause.namedBindings;
        if (nb !== undefined && ts.isNamespaceImport(nb)) out.set(nb.name.text, { library, imported: '*' });
        if (nb !== undefined && ts.isNamedImports(nb)) {
          for (const el of nb.elements) if (!el.isTypeOnly) out.set(el.name.text, { library, imported: (el.propertyName ?? el.name).text });
        }
      }
    } else if (ts.isVariableDeclaration(n) && n.initializer !== undefined) {
      let init: ts.Expression = n.initializer;
      while (ts.isPropertyAccessExpression(init)) init = init.expression; // require('pino').default
      if (ts.isCallExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'require' && init.arguments[0] !== undefined && ts.isStringLiteral(init.arguments[0])) {
        const library = loggerLibraryOf(init.arguments[0].text);
        if (library !== undefined) bindName(n.name, library);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function propertyIn(obj: ts.Node, name: string): ts.Expression | undefined {
  let found: ts.Expression | undefined;
  const walk = (n: ts.Node): void => {
    if (found !== undefined) return;
    if (ts.isPropertyAssignment(n) && (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) && n.name.text === name) found = n.initializer;
    else ts.forEachChild(n, walk);
  };
  walk(obj);
  return found;
}

/**
 * `e` as its value where it names a variable with an initializer in scope
 * (`const dest = pino.destination(file)` a line before), without parentheses, `await` or
 * `as`: a logger's destination is often made apart. The nearest block's declaration is taken
 * (two functions of one file may both have a `transport`); a parameter, an import or a name
 * declared without a value stays as it is.
 */
function valueIn(e: ts.Expression, depth = 4): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isAwaitExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
    else break;
  }
  if (!ts.isIdentifier(e) || depth === 0) return e;
  const init = initializerOf(e);
  return init === undefined ? e : valueIn(init, depth - 1);
}

/** The initializer of the variable `id` names, in the nearest enclosing block that declares it (before a parameter of that name). */
function initializerOf(id: ts.Identifier): ts.Expression | undefined {
  for (let scope: ts.Node | undefined = id.parent; scope !== undefined; scope = scope.parent) {
    if (ts.isFunctionLike(scope) && scope.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === id.text)) return undefined;
    if (!(ts.isBlock(scope) || ts.isSourceFile(scope) || ts.isModuleBlock(scope))) continue;
    for (const st of scope.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === id.text) return d.initializer;
      }
    }
  }
  return undefined;
}

/** Whether `node` or what it holds satisfies `test`, names of this file read as their values (a few levels deep). */
function reaches(node: ts.Node, test: (n: ts.Node) => boolean, depth = 3): boolean {
  if (test(node) || anyDescendant(node, test)) return true;
  if (depth === 0) return false;
  const named = (n: ts.Node): boolean => {
    if (!ts.isIdentifier(n)) return false;
    const v = valueIn(n);
    return v !== n && reaches(v, test, depth - 1);
  };
  return named(node) || anyDescendant(node, named);
}

const isStdDestination = (e: ts.Expression | undefined): boolean =>
  e === undefined || (ts.isNumericLiteral(e) && (e.text === '1' || e.text === '2')) || /^process\.std(out|err)(\.fd)?$/.test(e.getText());

function hasFileDestination(library: LoggerLibrary, call: ts.CallExpression, name: string, sf: ts.SourceFile, classification: ClassificationConfig): boolean {
  const args = call.arguments;
  const opt = (key: string): ts.Expression | undefined => {
    for (const a of args) {
      const v = ts.isObjectLiteralExpression(a) ? propertyIn(a, key) : undefined;
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const literalBoolean = (e: ts.Expression | undefined): boolean | undefined =>
    e?.kind === ts.SyntaxKind.TrueKeyword ? true : e?.kind === ts.SyntaxKind.FalseKeyword ? false : undefined;
  switch (library) {
    case 'daybook-audit':
      return true;
    case 'daybook': {
      const explicit = literalBoolean(opt('enableFileLogging'));
      if (explicit !== undefined) return explicit;
      if (name === 'setupCriticalLogging') return true;
      if (name === 'setupUtilityLogging') return false;
      // setupLogging: decided by the app name's class; an unknown name is assumed critical (the fallback).
      const first = args[0];
      return first !== undefined && ts.isStringLiteralLike(first) ? classifyApp(first.text, classification) === 'critical' : true;
    }
    case 'winston': {
      const newFile = (n: ts.Node): boolean => ts.isNewExpression(n) && FILE_TRANSPORT.test(n.expression.getText(sf));
      // A File transport in the options, or `logger.add(new transports.File(...))` anywhere in the file.
      return args.some((a) => reaches(a, newFile)) || anyDescendant(sf, (n) =>
        ts.isCallExpression(n) && calleeName(n) === 'add' && n.arguments.some((a) => reaches(a, newFile)));
    }
    case 'pino':
    case 'fastify': {
      const fileTarget = (n: ts.Node): boolean => {
        if (ts.isStringLiteralLike(n) && (n.text === 'pino/file' || n.text === 'pino-roll')) {
          // pino/file without a destination writes to stdout.
          const target = n.parent;
          const obj = target !== undefined && ts.isPropertyAssignment(target) ? target.parent : undefined;
          return n.text === 'pino-roll' || (obj !== undefined && !isStdDestination(propertyIn(obj, 'destination')));
        }
        if (ts.isCallExpression(n) && (calleeName(n) === 'destination' || calleeName(n) === 'createWriteStream')) return !isStdDestination(n.arguments[0]);
        if (library === 'fastify' && ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'file') return true;
        return false;
      };
      // Options and destinations this file shows are read; any other destination stream
      // (pino's second argument or only one: a rolling file's stream, a parameter) is taken
      // for a file unless it is the console's: a setup that may write files is not replaced.
      const shown = (v: ts.Expression): boolean => ts.isObjectLiteralExpression(v) || (ts.isCallExpression(v) && /^(destination|createWriteStream|transport)$/.test(calleeName(v) ?? ''));
      return args.some((a) => {
        const v = valueIn(a);
        return reaches(v, fileTarget) || (library === 'pino' && !shown(v) && !isStdDestination(v));
      });
    }
    case 'bunyan':
      return args.some((a) => reaches(a, (n) => ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'path'));
    case 'log4js':
      return args.some((a) => reaches(a, (n) => ts.isStringLiteralLike(n) && /^(file|fileSync|dateFile)$/.test(n.text) && ts.isPropertyAssignment(n.parent) && n.parent.name.getText(sf) === 'type'));
  }
}

/** What the call creates, if it creates a logger. */
function creationOf(call: ts.CallExpression, bindings: ReturnType<typeof loggerBindings>): { library: LoggerLibrary; name: string } | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    const b = bindings.get(callee.text);
    if (b === undefined) return undefined;
    if (b.library === 'daybook') {
      if (!DAYBOOK_SETUPS.has(b.imported)) return undefined;
      return { library: b.imported === 'initializeAuditLogger' ? 'daybook-audit' : 'daybook', name: b.imported };
    }
    if (b.library === 'pino' || b.library === 'fastify') return b.imported === 'default' || b.imported === '*' || b.imported === 'pino' || b.imported === 'fastify' ? { library: b.library, name: b.library } : undefined;
    if ((b.library === 'winston' || b.library === 'bunyan') && b.imported === 'createLogger') return { library: b.library, name: 'createLogger' };
    if (b.library === 'log4js' && b.imported === 'configure') return { library: 'log4js', name: 'configure' };
    return undefined;
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    const b = bindings.get(callee.expression.text);
    const m = callee.name.text;
    if (b === undefined || (b.imported !== '*' && b.imported !== 'default')) return undefined;
    if (b.library === 'daybook' && DAYBOOK_SETUPS.has(m)) return { library: m === 'initializeAuditLogger' ? 'daybook-audit' : 'daybook', name: m };
    if ((b.library === 'winston' || b.library === 'bunyan') && m === 'createLogger') return { library: b.library, name: m };
    if (b.library === 'log4js' && m === 'configure') return { library: 'log4js', name: m };
  }
  return undefined;
}

/** Unwraps `await x`, `void x`, `(x)`, `x.catch(...)`, `x.then(...)` to the call that starts the process. */
function startCall(e: ts.Expression): ts.CallExpression | undefined {
  for (;;) {
    if (ts.isAwaitExpression(e) || ts.isVoidExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    else if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && /^(catch|then|finally)$/.test(e.expression.name.text) && ts.isCallExpression(e.expression.expression)) e = e.expression.expression;
    else return ts.isCallExpression(e) ? e : undefined;
  }
}

function statementStart(s: ts.Statement, sf: ts.SourceFile): ProcessStart | undefined {
  const line = lineOf(sf, s);
  if (ts.isExpressionStatement(s)) {
    const call = startCall(s.expression);
    if (call === undefined) return undefined;
    const name = calleeName(call);
    if (ts.isIdentifier(call.expression) && name !== undefined && START_NAME.test(name)) return { line, kind: 'main' };
    if (name === 'listen' && ts.isPropertyAccessExpression(call.expression)) return { line, kind: 'listen' };
    if (name === 'setInterval' && ts.isIdentifier(call.expression)) return { line, kind: 'loop' };
    return undefined;
  }
  if (ts.isWhileStatement(s) && s.expression.kind === ts.SyntaxKind.TrueKeyword) return { line, kind: 'loop' };
  if (ts.isForStatement(s) && s.condition === undefined) return { line, kind: 'loop' };
  if (ts.isIfStatement(s) && /require\.main\s*===?\s*module|import\.meta\.main|process\.argv\[1\]/.test(s.expression.getText(sf))) return { line, kind: 'guard' };
  return undefined;
}

function importsOf(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier !== undefined && ts.isStringLiteral(n.moduleSpecifier)) {
      if (!(ts.isImportDeclaration(n) && n.importClause?.isTypeOnly) && !(ts.isExportDeclaration(n) && n.isTypeOnly)) out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteralLike(n.arguments[0]!) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      out.push((n.arguments[0] as ts.StringLiteralLike).text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function isLogCall(call: ts.CallExpression, loggerVars: ReadonlySet<string>): boolean {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee) || isConsole(callee.expression)) return false;
  const method = callee.name.text;
  if (!LOG_METHODS.has(method) && !/^log[A-Z]/.test(method)) return false;
  const receiver = lastName(callee.expression);
  return receiver !== undefined && (loggerVars.has(receiver) || LOGGER_RECEIVER.test(receiver));
}

/** A catch that neither rethrows, logs, hands the error on, nor explains itself in a comment. */
function swallows(body: ts.Block, errorName: string | undefined, sf: ts.SourceFile, loggerVars: ReadonlySet<string>): boolean {
  const text = sf.text.slice(body.getStart(sf) + 1, body.getEnd() - 1);
  if (/\/\/|\/\*/.test(text)) return false;
  let handled = false;
  forEachInBody(body, (n) => {
    if (handled) return;
    if (ts.isThrowStatement(n)) handled = true;
    else if (ts.isCallExpression(n) && (isLogCall(n, loggerVars) || (ts.isPropertyAccessExpression(n.expression) && isConsole(n.expression.expression)))) handled = true;
    else if (errorName !== undefined && ts.isIdentifier(n) && n.text === errorName) handled = true;
  });
  // A nested callback that uses the error or logs also counts.
  if (!handled) handled = anyDescendant(body, (n) => (errorName !== undefined && ts.isIdentifier(n) && n.text === errorName) || (ts.isCallExpression(n) && isLogCall(n, loggerVars)));
  return !handled;
}

const hasExportModifier = (n: ts.Node): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Whether other modules can get at the logger `call` creates. */
function isExported(call: ts.CallExpression, variable: string | undefined, sf: ts.SourceFile): boolean {
  for (let p: ts.Node | undefined = call.parent; p !== undefined && !ts.isSourceFile(p); p = p.parent) {
    if ((ts.isVariableStatement(p) || ts.isFunctionDeclaration(p) || ts.isClassDeclaration(p)) && hasExportModifier(p)) return true;
  }
  if (variable === undefined) return false;
  const refers = (e: ts.Expression): boolean => (ts.isIdentifier(e) && e.text === variable) || anyDescendant(e, (x) => ts.isIdentifier(x) && x.text === variable);
  return anyDescendant(sf, (n) =>
    (ts.isExportSpecifier(n) && (n.propertyName ?? n.name).getText(sf) === variable) ||
    (ts.isExportAssignment(n) && n.expression.getText(sf) === variable) ||
    (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && /^(module\.)?exports\b/.test(n.left.getText(sf)) && refers(n.right)));
}

function enclosingFunction(n: ts.Node): ts.Node {
  let p = n.parent;
  while (p !== undefined && !isFunctionLike(p) && !ts.isSourceFile(p)) p = p.parent;
  return p ?? n.getSourceFile();
}

/**
 * A callback handed to a call (`retry(() => broker.submitOrder(o))`) runs for the function
 * that hands it over: what it does is that function's to audit and log.
 */
function handingScope(fn: ts.Node): ts.Node {
  while ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isCallExpression(fn.parent) && fn.parent.arguments.includes(fn as ts.Expression)) fn = enclosingFunction(fn);
  return fn;
}

/** A branch on a comparison: `if (exposure + notional > limit)`, `heat >= max ? ... : ...`. */
function decidesOnComparison(body: ts.Node): boolean {
  return anyDescendant(body, (n) => {
    const cond = ts.isIfStatement(n) || ts.isConditionalExpression(n) ? (ts.isIfStatement(n) ? n.expression : n.condition) : undefined;
    const test = cond ?? (ts.isReturnStatement(n) ? n.expression : undefined);
    if (test === undefined) return false;
    // Against zero is a guard of the arithmetic (`equity > 0 ? risk / equity : 0`), not a limit.
    const zero = (e: ts.Expression): boolean => ts.isNumericLiteral(e) && Number(e.text) === 0;
    const compares = (e: ts.Node): boolean => ts.isBinaryExpression(e) && COMPARISON.has(e.operatorToken.kind) && !zero(e.left) && !zero(e.right);
    return compares(test) || anyDescendant(test, compares);
  });
}

/** The functions of a file that decide: named for a decision (or in a module named for one) and branching on a comparison. */
function decisionsOf(sf: ts.SourceFile): Decision[] {
  const moduleDecides = DECISION_MODULE.test(sf.fileName.replace(/^.*\//, ''));
  const out: Decision[] = [];
  const visit = (n: ts.Node): void => {
    if (isFunctionLike(n) && n.body !== undefined) {
      const name = functionName(n) ?? (ts.isMethodDeclaration(n) || ts.isGetAccessorDeclaration(n) ? n.name.getText(sf) : undefined);
      if (name !== undefined && (moduleDecides || DECISION_FUNCTION.test(name)) && decidesOnComparison(n.body)) {
        out.push({ name, line: lineOf(sf, n) });
        return;
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function functionName(fn: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) || ts.isFunctionExpression(fn)) && fn.name !== undefined && ts.isIdentifier(fn.name)) return fn.name.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name)) return fn.parent.name.text;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) && ts.isPropertyAssignment(fn.parent)) return fn.parent.name.getText();
  return undefined;
}

/** Reads everything the rules need from one parsed file, in one walk. */
export function factsOf(sf: ts.SourceFile, options: { classification?: ClassificationConfig } = {}): FileFacts {
  const classification = options.classification ?? {};
  const bindings = loggerBindings(sf);
  const facts: FileFacts = {
    imports: importsOf(sf), syntaxErrors: syntaxErrors(sf), consoleCalls: [], creations: [], logCalls: 0, swallowedCatches: [],
    processHandlers: new Set(), start: undefined, doesWork: false, unauditedTrades: [], decisions: [], calls: [],
    esm: sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s) || hasExportModifier(s)),
  };
  const loggerVars = new Set<string>();
  const calls: ts.CallExpression[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      calls.push(n);
      const created = creationOf(n, bindings);
      if (created !== undefined) {
        const decl = ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name) ? n.parent.name.text : undefined;
        if (decl !== undefined) loggerVars.add(decl);
        const first = n.arguments[0];
        facts.creations.push({
          line: lineOf(sf, n), library: created.library, node: n, variable: decl, exported: isExported(n, decl, sf),
          appName: created.library === 'daybook' && first !== undefined && ts.isStringLiteralLike(first) ? first.text : undefined,
          fileDestination: hasFileDestination(created.library, n, created.name, sf, classification),
        });
      }
      const callee = n.expression;
      if (ts.isPropertyAccessExpression(callee) && isConsole(callee.expression)) facts.consoleCalls.push({ line: lineOf(sf, n), method: callee.name.text, node: n });
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'process' && /^(on|once|addListener|prependListener)$/.test(callee.name.text)) {
        const ev = n.arguments[0];
        if (ev !== undefined && ts.isStringLiteralLike(ev)) facts.processHandlers.add(ev.text);
      }
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'catch' && n.arguments.length === 1) {
        const fn = n.arguments[0]!;
        if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
          const param = fn.parameters[0]?.name;
          const body = ts.isBlock(fn.body) ? fn.body : undefined;
          const name = param !== undefined && ts.isIdentifier(param) ? param.text : undefined;
          if (body !== undefined ? swallows(body, name, sf, loggerVars) : !anyDescendant(fn.body, (x) => ts.isIdentifier(x) && x.text === name) && !ts.isCallExpression(fn.body)) {
            facts.swallowedCatches.push(lineOf(sf, callee.name));
          }
        }
      }
      const name = calleeName(n);
      if (name === 'setInterval' || name === 'setTimeout' || name === 'listen') facts.doesWork = true;
    } else if (ts.isCatchClause(n)) {
      const v = n.variableDeclaration?.name;
      if (swallows(n.block, v !== undefined && ts.isIdentifier(v) ? v.text : undefined, sf, loggerVars)) facts.swallowedCatches.push(lineOf(sf, n));
    } else if (ts.isAwaitExpression(n) || ts.isTryStatement(n) || ts.isThrowStatement(n)) {
      facts.doesWork = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  // Log calls are counted after the walk, once every logger variable is known.
  for (const call of calls) if (isLogCall(call, loggerVars)) facts.logCalls++;
  for (const call of calls) {
    const name = calleeName(call);
    if (name === undefined || !TRADE_CALL.test(name)) continue;
    const inner = enclosingFunction(call);
    const own = functionName(inner);
    if (own !== undefined && TRADE_CALL.test(own)) continue; // a wrapper: its callers are the ones to audit
    const fn = handingScope(inner);
    const body = isFunctionLike(fn) ? fn.body ?? fn : fn;
    const audited = anyDescendant(body, (x) => ts.isCallExpression(x) && AUDIT_CALL.test(calleeName(x) ?? ''));
    if (!audited) facts.unauditedTrades.push({ line: lineOf(sf, call), name });
  }
  const logs = new Map<ts.Node, boolean>();
  const logsIn = (scope: ts.Node): boolean => {
    let v = logs.get(scope);
    if (v === undefined) {
      v = anyDescendant(scope, (x) => ts.isCallExpression(x) && (isLogCall(x, loggerVars) || (ts.isPropertyAccessExpression(x.expression) && isConsole(x.expression.expression))));
      logs.set(scope, v);
    }
    return v;
  };
  for (const call of calls) {
    const name = calleeName(call);
    if (name === undefined || name === 'this') continue;
    // `if (!withinLimits(o)) continue;`: a call that steers an if is logged in the if's branches, whatever else its function logs.
    let e: ts.Node = call;
    while (e.parent !== undefined && (ts.isParenthesizedExpression(e.parent) || ts.isPrefixUnaryExpression(e.parent) || ts.isBinaryExpression(e.parent) || ts.isAwaitExpression(e.parent))) e = e.parent;
    const steered = e.parent !== undefined && ts.isIfStatement(e.parent) && e.parent.expression === e ? e.parent : undefined;
    const logged = steered !== undefined
      ? logsIn(steered.thenStatement) || (steered.elseStatement !== undefined && logsIn(steered.elseStatement))
      : logsIn(handingScope(enclosingFunction(call)));
    facts.calls.push({ name, line: lineOf(sf, call), logged });
  }
  facts.decisions = decisionsOf(sf);
  for (const s of sf.statements) {
    facts.start = statementStart(s, sf);
    if (facts.start !== undefined) break;
  }
  if (facts.start !== undefined) facts.doesWork = true;
  return facts;
}

export function hasLogging(f: FileFacts): boolean {
  return f.consoleCalls.length > 0 || f.creations.length > 0 || f.logCalls > 0;
}
