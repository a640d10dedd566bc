// The public API of @daybook/dashboard: where its built page is, for the server or the CLI
// to serve at `/` (e.g. @fastify/static with `root: dashboardDir`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of the built assets (index.html and assets/), with no trailing slash. */
export const dashboardDir: string = fileURLToPath(new URL('./web', import.meta.url));

/** True once `npm run build` has built the page (dist/web/index.html exists). */
export function isDashboardBuilt(): boolean {
  return existsSync(`${dashboardDir}/index.html`);
}
