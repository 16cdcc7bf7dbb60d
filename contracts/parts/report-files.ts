/**
 * Where a workflow's report is: the HTML page and the Markdown summary its last state wrote under the stack's
 * artifact bucket, at `reports/<workflow>/<execution name>/report.html` and `summary.md`. A workflow's output
 * carries them as `reportFiles`; `smwf run` downloads whatever an output names there.
 */
import * as z from 'zod/mini';

/** The s3:// URIs of a report's two files. */
export const ReportFiles = z.object({
  html: z.string(),
  markdown: z.string(),
});
export type ReportFiles = z.output<typeof ReportFiles>;
