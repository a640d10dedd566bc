import * as core from '@daybook/core';

export interface ChainStatus {
  status: 'ok' | 'damaged' | 'not checked';
  detail?: string;
  problems: { file: string; line: number; kind: string; message: string }[];
}

interface VerifyResult {
  ok: boolean;
  problems?: { file: string; line?: number; kind: string; message?: string }[];
}

/**
 * The hash chain of a log directory, through core's `verify(dir)` when this build of core
 * has it. It is looked up at run time rather than imported by name so that the tools build
 * and run against a core without it, and pick it up without a change once it lands.
 */
export async function checkChain(dir: string): Promise<ChainStatus> {
  const verify = (core as Record<string, unknown>).verify;
  if (typeof verify !== 'function') return { status: 'not checked', detail: 'verify unavailable', problems: [] };
  try {
    const r = (await (verify as (d: string) => VerifyResult | Promise<VerifyResult>)(dir));
    const problems = (r.problems ?? []).map((p) => ({ file: p.file, line: p.line ?? 0, kind: p.kind, message: p.message ?? `${p.kind} at line ${p.line ?? 0}` }));
    return r.ok ? { status: 'ok', problems } : { status: 'damaged', detail: `${problems.length} problem(s)`, problems };
  } catch (e) {
    return { status: 'not checked', detail: `verify failed: ${(e as Error).message}`, problems: [] };
  }
}
