/**
 * Writing a rendered report where its workflow's output says it is (contracts/parts/report-files.ts): both files
 * under one folder of the stack's artifact bucket, as text with their media types, so a browser opening the
 * object (a presigned URL, the console's Open) shows the page rather than downloading it.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportFiles } from '../../../contracts/parts/report-files.ts';
import { REPORT_FILE_NAMES, reportFolder } from '../../../contracts/report-location.ts';
import type { RenderedReport } from './document.ts';

/** The objects a report is written to. */
export interface ReportObjects {
  put(key: string, body: string, contentType: string): Promise<void>;
  /** The s3:// URI of `key`. */
  uriOf(key: string): string;
}

/** ReportObjects in `bucket`, backed by the AWS SDK S3 client (PutObject only). */
export function s3ReportObjects(client: S3Client, bucket: string): ReportObjects {
  return {
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    uriOf: (key) => `s3://${bucket}/${key}`,
  };
}

/**
 * Writes `report` as `reports/<workflow>/<execution name>/report.html` and `summary.md`; returns their URIs. The
 * same execution writes the same keys, so a retried or redriven step overwrites its own report and nothing else.
 */
export async function writeReportFiles(
  objects: ReportObjects,
  workflow: string,
  executionName: string,
  report: RenderedReport,
): Promise<ReportFiles> {
  const folder = reportFolder(workflow, executionName);
  const html = `${folder}${REPORT_FILE_NAMES.html}`;
  const markdown = `${folder}${REPORT_FILE_NAMES.markdown}`;
  await objects.put(html, report.html, 'text/html; charset=utf-8');
  await objects.put(markdown, report.markdown, 'text/markdown; charset=utf-8');
  return { html: objects.uriOf(html), markdown: objects.uriOf(markdown) };
}
