/**
 * Where a workflow's report goes under the stack's artifact bucket (the shape of `reportFiles` is the contract part
 * contracts/parts/report-files.ts). Free of zod, so that the steps that write reports keep it out of their bundles.
 */

/** The folder of a report under the artifact bucket: one per workflow and execution. */
export function reportFolder(workflow: string, executionName: string): string {
  return `reports/${workflow}/${executionName}/`;
}

/** The report's files, by the name each has in its folder. */
export const REPORT_FILE_NAMES = { html: 'report.html', markdown: 'summary.md' } as const;
