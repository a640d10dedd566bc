import { verify, type VerifyResult } from '@daybook/core';

export interface ChainStatus {
  status: 'ok' | 'damaged' | 'not checked';
  detail?: string;
  problems: { file: string; line: number; kind: string; message: string }[];
}

/** The hash chain of a log directory, through core's `verify`. A torn tail (a crash) is listed but is not damage. */
export async function checkChain(dir: string, run: (dir: string) => Promise<VerifyResult> = verify): Promise<ChainStatus> {
  try {
    const r = await run(dir);
    const problems = r.problems.map((p) => ({ file: p.file, line: p.line, kind: p.kind, message: p.message }));
    return r.ok ? { status: 'ok', problems } : { status: 'damaged', detail: `${problems.length} problem(s)`, problems };
  } catch (e) {
    // verify reports damage as its result; a throw means the directory could not be read at all.
    return { status: 'not checked', detail: `verify failed: ${(e as Error).message}`, problems: [] };
  }
}
