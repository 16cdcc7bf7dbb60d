/**
 * `smwf run`'s copy of a workflow's report: when an execution's output names report files (`reportFiles`, the
 * s3:// URIs of an HTML page and a Markdown summary: contracts/parts/report-files.ts), they are downloaded from
 * the emulator's S3 or AWS's into a local folder, under the same keys (`<dir>/reports/<workflow>/<execution>/`),
 * so that two runs never overwrite each other's report.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportFiles } from '../contracts/parts/report-files.ts';

/** The report files an execution's output names, or undefined when it names none. */
function reportFilesOf(output: unknown): ReportFiles | undefined {
  const files = (output as { reportFiles?: unknown } | null | undefined)?.reportFiles as
    | Partial<Record<keyof ReportFiles, unknown>>
    | undefined;
  if (typeof files?.html !== 'string' || typeof files.markdown !== 'string') return undefined;
  return { html: files.html, markdown: files.markdown };
}

/** Bucket and key of an s3:// URI. */
function locate(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// object URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/**
 * Downloads the report files `output` names into `dir`, each at its key, and returns their local paths (none when
 * the output names no report). A key that would land outside `dir` (`..`) is refused.
 */
export async function saveReportFiles(s3: S3Client, output: unknown, dir: string): Promise<ReportFiles | undefined> {
  const files = reportFilesOf(output);
  if (files === undefined) return undefined;
  const root = resolve(dir);
  const save = async (uri: string) => {
    const { bucket, key } = locate(uri);
    const path = resolve(join(root, key));
    if (!path.startsWith(root + sep)) throw new Error(`the report's key ${key} leads outside ${root}`);
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
    return path;
  };
  return { html: await save(files.html), markdown: await save(files.markdown) };
}
