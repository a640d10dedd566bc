import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppClass, ClassificationConfig } from '@daybook/core';
import { ToolsError } from './errors.js';

/** What `daybook.config.json` (or the `daybook` key of package.json) may say to the tools. */
export interface ToolsConfig {
  classification: ClassificationConfig;
  /** Entry file (relative to the root) → app name, when the derived name is not the right one. */
  apps: Readonly<Record<string, string>>;
  /** Extra entry points the discovery cannot see (relative paths). */
  entries: readonly string[];
  /** Path prefixes (relative) that audit and migrate skip. */
  ignore: readonly string[];
}

export const EMPTY_CONFIG: ToolsConfig = { classification: {}, apps: {}, entries: [], ignore: [] };

const REGEX = /^\/(.+)\/([a-z]*)$/;

function rule(value: unknown, where: string): string | RegExp {
  if (typeof value !== 'string') throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where} must be a string (a name, or /pattern/flags)`);
  const m = REGEX.exec(value);
  if (m === null) return value;
  try {
    return new RegExp(m[1]!, m[2]);
  } catch (e) {
    throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where} ${value} is not a valid regular expression`, { cause: e });
  }
}

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where} must be an array of strings`);
  }
  return value as string[];
}

/** Validates a parsed config object; `where` names its file in messages. */
export function parseToolsConfig(raw: unknown, where: string): ToolsConfig {
  if (raw === undefined) return EMPTY_CONFIG;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where} must hold an object`);
  }
  const o = raw as Record<string, unknown>;
  const classification: { critical?: (string | RegExp)[]; utility?: (string | RegExp)[]; fallback?: AppClass } = {};
  if (o.critical !== undefined) classification.critical = strings(o.critical, `${where}: critical`).map((v, i) => rule(v, `${where}: critical[${i}]`));
  if (o.utility !== undefined) classification.utility = strings(o.utility, `${where}: utility`).map((v, i) => rule(v, `${where}: utility[${i}]`));
  if (o.fallback !== undefined) {
    if (o.fallback !== 'critical' && o.fallback !== 'utility') throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where}: fallback must be "critical" or "utility"`);
    classification.fallback = o.fallback;
  }
  // Own properties whatever the file is called (defined, not assigned: `__proto__` too).
  const apps: Record<string, string> = {};
  if (o.apps !== undefined) {
    if (typeof o.apps !== 'object' || o.apps === null || Array.isArray(o.apps)) throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where}: apps must map entry files to app names`);
    for (const [file, name] of Object.entries(o.apps)) {
      if (typeof name !== 'string' || name === '') throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${where}: apps["${file}"] must be an app name`);
      Object.defineProperty(apps, file.replace(/^\.\//, ''), { value: name, enumerable: true, writable: true, configurable: true });
    }
  }
  const clean = (p: string): string => p.replace(/^\.\//, '').replace(/\/$/, '');
  return {
    classification,
    apps,
    entries: strings(o.entries, `${where}: entries`).map(clean),
    ignore: strings(o.ignore, `${where}: ignore`).map(clean),
  };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ToolsError('DAYBOOK_E_TOOLS_CONFIG', `${path} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}

/** `daybook.config.json` wins over package.json's `daybook` key; neither is fine. */
export function loadToolsConfig(root: string): ToolsConfig {
  const own = join(root, 'daybook.config.json');
  if (existsSync(own)) return parseToolsConfig(readJson(own), 'daybook.config.json');
  const pkg = join(root, 'package.json');
  if (existsSync(pkg)) return parseToolsConfig((readJson(pkg) as { daybook?: unknown }).daybook, 'package.json "daybook"');
  return EMPTY_CONFIG;
}
