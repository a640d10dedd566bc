import { dashboardDir, isDashboardBuilt } from '@daybook/dashboard';

/** The dashboard's built page for `staticDir`, or undefined when it is not built (the REST API then answers alone). */
export function builtDashboardDir(): string | undefined {
  return isDashboardBuilt() ? dashboardDir : undefined;
}
