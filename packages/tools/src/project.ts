import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { classifyApp, type AppClass } from '@daybook/core';
import { loadToolsConfig, type ToolsConfig } from './config.js';
import { ToolsError } from './errors.js';
import { factsOf, parseSource, type FileFacts } from './facts.js';

export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
// Build output, dependencies and migrate's own backups are never the project's source.
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', 'coverage', '.git', 'backups', 'logs', '.next', '.turbo']);

export interface SourceFile {
  /** Relative to the project root, with `/` separators. */
  path: string;
  text: string;
  sf: ts.SourceFile;
  facts: FileFacts;
}

export interface App {
  name: string;
  /** The entry file, relative. */
  entry: string;
  classification: AppClass;
  /** Why this file is an entry point. */
  reason: 'bin' | 'script' | 'config' | 'main' | 'listen' | 'loop' | 'guard';
  /** The line that starts the process (1 for bin/script entries without one). */
  line: number;
  /** Every project file the entry reaches through imports, the entry included. */
  modules: string[];
}

export interface Project {
  root: string;
  config: ToolsConfig;
  files: Map<string, SourceFile>;
  apps: App[];
  /** file → the local files it imports. */
  graph: Map<string, string[]>;
  /** The project's tsconfig.json, when it has one. */
  tsconfig: string | undefined;
  compilerOptions: ts.CompilerOptions;
  /** The nearest package.json of a file (the root's when there is no nearer one). */
  packageOf(file: string): { name?: string; type?: string };
}

const toPosix = (p: string): string => p.split(sep).join('/');
const isSource = (name: string): boolean => SOURCE_EXTENSIONS.includes(extname(name)) && !/\.d\.[cm]?ts$/.test(name);

/** Source files and package folders (`''` for the root) under `dir`. */
function walk(root: string, dir: string, ignore: readonly string[], out: { sources: string[]; packages: string[] }): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const abs = join(dir, entry.name);
    const rel = toPosix(relative(root, abs));
    if (ignore.some((p) => rel === p || rel.startsWith(p + '/'))) continue;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(root, abs, ignore, out);
    } else if (entry.isFile() && isSource(entry.name)) out.sources.push(rel);
    else if (entry.isFile() && entry.name === 'package.json') out.packages.push(toPosix(relative(root, dir)));
  }
}

interface PackageJson {
  name?: string;
  type?: string;
  bin?: string | Record<string, string>;
  scripts?: Record<string, string>;
}

function readPackageJson(dir: string): PackageJson {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
  } catch (e) {
    throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${path} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

function compilerOptionsOf(root: string): { tsconfig: string | undefined; options: ts.CompilerOptions } {
  const tsconfig = join(root, 'tsconfig.json');
  const fallback: ts.CompilerOptions = { allowJs: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
  if (!existsSync(tsconfig)) return { tsconfig: undefined, options: fallback };
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (parsed === undefined) return { tsconfig, options: fallback };
  return { tsconfig, options: { ...parsed.options, allowJs: true } };
}

/** Resolves a specifier to a project file, or undefined for packages and missing files. */
function resolver(root: string, options: ts.CompilerOptions, files: ReadonlySet<string>): (from: string, spec: string) => string | undefined {
  const cache = ts.createModuleResolutionCache(root, (s) => s, options);
  const fallback: ts.CompilerOptions = { ...options, moduleResolution: ts.ModuleResolutionKind.Bundler, module: ts.ModuleKind.ESNext };
  return (from, spec) => {
    const containing = join(root, from);
    for (const opts of [options, fallback]) {
      const r = ts.resolveModuleName(spec, containing, opts, ts.sys, opts === options ? cache : undefined).resolvedModule;
      if (r === undefined || r.isExternalLibraryImport === true) continue;
      const rel = toPosix(relative(root, r.resolvedFileName));
      if (files.has(rel)) return rel;
    }
    return undefined;
  };
}

/** The build folders of a package: its tsconfig's outDir and rootDir, else dist and src. */
function buildDirs(pkgDir: string): { outDir: string; rootDir: string } {
  const config = ts.readConfigFile(join(pkgDir, 'tsconfig.json'), ts.sys.readFile).config as { compilerOptions?: { outDir?: string; rootDir?: string } } | undefined;
  const clean = (p: string | undefined, fallback: string): string => toPosix(p ?? fallback).replace(/^\.\//, '').replace(/\/$/, '').replace(/^\.$/, '');
  return { outDir: clean(config?.compilerOptions?.outDir, 'dist'), rootDir: clean(config?.compilerOptions?.rootDir, 'src') };
}

/** A path named by a package (`dist/bots/mm.js`) → the project file it is built from (`src/bots/mm.ts`). */
function sourceFor(pkgDir: string, path: string, files: ReadonlySet<string>, root: string): string | undefined {
  const inPkg = toPosix(relative(root, join(root, pkgDir, path)));
  if (files.has(inPkg)) return inPkg;
  const { outDir, rootDir } = buildDirs(join(root, pkgDir));
  const local = toPosix(join(pkgDir, path)).slice(pkgDir === '' ? 0 : pkgDir.length + 1).replace(/^\.\//, '');
  const stem = outDir !== '' && local.startsWith(outDir + '/') ? (rootDir === '' ? '' : rootDir + '/') + local.slice(outDir.length + 1) : local;
  const bare = toPosix(join(pkgDir, stem)).replace(/\.[cm]?js$/, '');
  for (const ext of ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs']) if (files.has(bare + ext)) return bare + ext;
  return undefined;
}

const GENERIC_NAMES = new Set(['index', 'main', 'app', 'server', 'cli', 'bin', 'start', 'run']);
const GENERIC_DIRS = new Set(['', '.', 'src', 'lib', 'bin', 'app']);

/**
 * The app name a file stands for: its base name; for index/main/server files its folder's,
 * unless that folder is the package's own (or a src/lib folder), then the package's name.
 */
export function nameFromPath(path: string, packageName: string | undefined, packageDir = ''): string {
  const base = basename(path).replace(/\.[cm]?[jt]sx?$/, '');
  if (!GENERIC_NAMES.has(base)) return base;
  const folder = toPosix(dirname(path));
  const dir = basename(folder);
  const atPackageRoot = folder === (packageDir === '' ? '.' : packageDir) || GENERIC_DIRS.has(dir);
  if (!atPackageRoot || packageName === undefined) return GENERIC_DIRS.has(dir) ? (packageName ?? 'app').replace(/^@[^/]+\//, '') : dir;
  return packageName.replace(/^@[^/]+\//, '');
}

/** Source paths named in a package.json script (`tsx src/bots/hedge-bot.ts --live && ...`). */
function scriptPaths(command: string): string[] {
  return command.split(/&&|\|\||[;|]/).flatMap((part) => part.trim().split(/\s+/)).filter((t) => /^[\w./@-]+\.[cm]?[jt]sx?$/.test(t));
}

/** Reads, parses and maps a project: its files, apps, entry points and module graph. */
export function loadProject(rootInput: string): Project {
  const root = resolve(rootInput);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new ToolsError('DAYBOOK_E_TOOLS_PATH', `${rootInput} is not a directory`);
  const config = loadToolsConfig(root);
  const { tsconfig, options } = compilerOptionsOf(root);
  const found = { sources: [] as string[], packages: [] as string[] };
  walk(root, root, config.ignore, found);
  // The root first, then nested workspace packages, each with its own bin and scripts.
  const packages = new Map<string, PackageJson>(['', ...found.packages.filter((p) => p !== '')].map((d) => [d, readPackageJson(join(root, d))]));
  const files = new Map<string, SourceFile>();
  for (const path of found.sources) {
    const text = readFileSync(join(root, path), 'utf8');
    const sf = parseSource(path, text);
    files.set(path, { path, text, sf, facts: factsOf(sf, { classification: config.classification }) });
  }
  const known = new Set(files.keys());
  const resolve1 = resolver(root, options, known);
  const graph = new Map<string, string[]>();
  for (const [path, f] of files) {
    const deps = f.facts.imports.map((s) => resolve1(path, s)).filter((d): d is string => d !== undefined);
    graph.set(path, [...new Set(deps)]);
  }
  const packageDirOf = (file: string): string => [...packages.keys()].filter((d) => d === '' || file.startsWith(d + '/')).sort((a, b) => b.length - a.length)[0]!;
  const packageOf = (file: string): PackageJson => packages.get(packageDirOf(file))!;
  const bare = (name: string | undefined): string | undefined => name?.replace(/^@[^/]+\//, '');

  const entries = new Map<string, { name: string | undefined; reason: App['reason']; line: number }>();
  const add = (file: string | undefined, name: string | undefined, reason: App['reason']): void => {
    if (file === undefined || entries.has(file)) return;
    entries.set(file, { name, reason, line: files.get(file)?.facts.start?.line ?? 1 });
  };
  for (const file of config.entries) add(sourceFor('', file, known, root), undefined, 'config');
  for (const [dir, pkg] of packages) {
    if (typeof pkg.bin === 'string') add(sourceFor(dir, pkg.bin, known, root), bare(pkg.name), 'bin');
    else if (pkg.bin !== undefined) for (const [name, file] of Object.entries(pkg.bin)) add(sourceFor(dir, file, known, root), name, 'bin');
  }
  for (const [dir, pkg] of packages) {
    for (const command of Object.values(pkg.scripts ?? {})) for (const p of scriptPaths(command)) add(sourceFor(dir, p, known, root), undefined, 'script');
  }
  for (const [path, f] of files) if (f.facts.start !== undefined) add(path, undefined, f.facts.start.kind);

  const apps: App[] = [];
  for (const [entry, e] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = (Object.hasOwn(config.apps, entry) ? config.apps[entry] : undefined) ?? e.name ?? nameFromPath(entry, packageOf(entry).name, packageDirOf(entry));
    apps.push({ name, entry, reason: e.reason, line: e.line, classification: classifyApp(name, config.classification), modules: reach(entry, graph) });
  }
  return { root, config, files, apps, graph, tsconfig, compilerOptions: options, packageOf };
}

function reach(entry: string, graph: ReadonlyMap<string, readonly string[]>): string[] {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const d of graph.get(queue.shift()!) ?? []) {
      if (!seen.has(d)) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  return [...seen].sort();
}

/** The apps that reach a file. */
export function appsOf(project: Project, file: string): App[] {
  return project.apps.filter((a) => a.modules.includes(file));
}

/** Critical code: a file that a critical app reaches. */
export function isCriticalFile(project: Project, file: string): boolean {
  return project.apps.some((a) => a.classification === 'critical' && a.modules.includes(file));
}
