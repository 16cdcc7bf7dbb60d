/**
 * Data capture contract part: what a real-time endpoint records of its invocations (SageMaker's DataCaptureConfig,
 * in camelCase; contract in ../shared/reference/sagemaker-variant-contracts.md §7). Ranges and patterns follow
 * SageMaker's API model.
 */
import * as z from 'zod/mini';
import { integer } from '../contract-parts.ts';
import type { IssueSink } from './endpoint.ts';
import { kmsKeyId, s3Uri } from './s3.ts';

/** A content type SageMaker's capture lists take (its CsvContentType and JsonContentType shapes). */
const captureContentType = z
  .string()
  .check(
    z.maxLength(256),
    z.regex(
      /^[a-zA-Z0-9](-*[a-zA-Z0-9])*\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$/,
      'expected a content type such as text/csv or application/json (type/subtype, no parameters)',
    ),
  );

/** 1 to 10 content types whose bodies are captured as text in one encoding (CSV or JSON). */
const captureContentTypes = z.array(captureContentType).check(z.minLength(1), z.maxLength(10));

/** What an endpoint captures: a sample of its requests and/or answers, written under an S3 prefix. */
export const DataCapture = z.strictObject({
  /** Capture at all: false keeps the config but records nothing (DescribeEndpoint says Stopped). */
  enableCapture: z._default(z.boolean(), true),
  /** The percentage of invocations captured. */
  initialSamplingPercentage: integer(0, 100),
  /** Capture files go to `<destinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/`. */
  destinationS3Uri: s3Uri({ kind: 'prefix', example: 's3://my-bucket/datacapture' }).check(z.maxLength(512)),
  /** What is captured: the requests (Input), the answers (Output), or both. */
  captureModes: z._default(
    z.array(z.enum(['Input', 'Output', 'InputAndOutput'])).check(z.minLength(1), z.maxLength(32)),
    ['InputAndOutput'],
  ),
  /** The KMS key SageMaker encrypts capture files with. */
  kmsKeyId: z.optional(kmsKeyId),
  /** Bodies of these content types are captured as CSV text; other types not listed in JSON are base64. */
  csvContentTypes: z.optional(captureContentTypes),
  /** Bodies of these content types are captured as JSON text; other types not listed in CSV are base64. */
  jsonContentTypes: z.optional(captureContentTypes),
});
export type DataCapture = z.output<typeof DataCapture>;

/** SageMaker refuses data capture on serverless endpoints (DG serverless-endpoints): refused here by the field. */
export const captureNotOnServerless = (
  input: { dataCapture?: unknown; variants: readonly { serverless?: unknown }[] },
  ctx: IssueSink,
) => {
  if (input.dataCapture === undefined) return;
  const serverless = input.variants.findIndex((v) => v.serverless !== undefined);
  if (serverless >= 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['dataCapture'],
      message: `SageMaker does not capture data on serverless endpoints (variants.${serverless} is serverless): remove dataCapture or use an instance type`,
      input: input.dataCapture,
    });
  }
};
