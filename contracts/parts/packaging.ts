/**
 * Packaging contract parts: the PackageModel input (also DeployEndpoint's `model.package`), the frameworks and
 * formats it names, and what a packaging run returns.
 */
import * as z from 'zod/mini';
// English messages: contract-parts configures zod/mini's locale when it loads.
import '../contract-parts.ts';
import { FRAMEWORKS } from './packaging-values.ts';
import { asFolder, s3Uri } from './s3.ts';

/** A framework container whose model layout PackageModel checks. */
export const Framework = z.enum(FRAMEWORKS);
export type Framework = z.output<typeof Framework>;

/** `tar.gz`: one `model.tar.gz` (ModelDataUrl). `uncompressed`: the files under a prefix (ModelDataSource). */
const PackageFormat = z.enum(['tar.gz', 'uncompressed']);

/** Files under a prefix, read as a folder (`s3://bucket/models` is `s3://bucket/models/`). */
const s3Prefix = s3Uri({ kind: 'prefix', example: 's3://my-bucket/models/churn/' });

/** The execution input of PackageModel (and `model.package` of DeployEndpoint). */
export const PackageModelInput = z
  .strictObject({
    source: s3Prefix,
    framework: Framework,
    code: z.optional(s3Prefix),
    output: z.optional(s3Prefix),
    format: z._default(PackageFormat, 'tar.gz'),
    compressionLevel: z.optional(z.int().check(z.gte(1), z.lte(9))),
  })
  .check(
    z.superRefine((input, ctx) => {
      if (input.format === 'uncompressed' && input.compressionLevel !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['compressionLevel'],
          message: 'compressionLevel applies to the tar.gz format only',
        });
      }
      // A package lands under the output; under a folder it packages, the next run would package it too.
      const output = input.output === undefined ? undefined : asFolder(input.output);
      for (const field of ['source', 'code'] as const) {
        const read = input[field];
        if (output !== undefined && read !== undefined && output.startsWith(asFolder(read))) {
          ctx.addIssue({
            code: 'custom',
            path: ['output'],
            message: `expected an output outside ${field}: a package written under ${field} is read by the next run`,
            input: input.output,
          });
        }
      }
    }),
  );

/** What a user writes. */
export type PackageModelInputDocument = z.input<typeof PackageModelInput>;
/** The validated input with defaults applied. */
export type PackageModelRequest = z.output<typeof PackageModelInput>;

/** SageMaker's ModelDataSource for uncompressed model files under a prefix, in camelCase. */
const UncompressedModelDataSource = z.object({
  s3Uri: z.string(),
  s3DataType: z.literal('S3Prefix'),
  compressionType: z.literal('None'),
});

/** The result of packaging: where the model data is, and its digest, size and file count. */
export const PackagedModel = z.object({
  format: PackageFormat,
  /** The `model.tar.gz` (tar.gz format). */
  modelDataUrl: z.optional(z.string()),
  /** The prefix holding the files (uncompressed format). */
  modelDataSource: z.optional(UncompressedModelDataSource),
  /** sha256 of the archive bytes (tar.gz), or of the file manifest (uncompressed: paths, sizes, ETags). */
  sha256: z.string(),
  /** Bytes of the archive (tar.gz) or of all files (uncompressed). */
  sizeBytes: z.int(),
  fileCount: z.int(),
  /** The package's manifest, written last: its presence marks a complete package. */
  manifestUrl: z.string(),
  /** True when an earlier run had built this exact package and it was returned as is. */
  reused: z.boolean(),
});
export type PackagedModel = z.output<typeof PackagedModel>;
