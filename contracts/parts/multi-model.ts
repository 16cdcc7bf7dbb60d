/**
 * Multi-model endpoint (MME) contract parts: the one container that serves every model under an S3 prefix, the
 * models placed there (each at an immutable key `<prefix><name>-<content hash>.tar.gz`), and what placing one
 * records. AWS's contract: ../shared/reference/sagemaker-variant-contracts.md §1.
 */
import * as z from 'zod/mini';
import { containerEnvironment, imageUri } from '../contract-parts.ts';
import { PackageModelInput } from './packaging.ts';
import { s3Uri } from './s3.ts';

/** Whether the container keeps models loaded between invocations (SageMaker's ModelCacheSetting). */
export const ModelCacheSetting = z._default(z.enum(['Enabled', 'Disabled']), 'Enabled');

/** The container of a multi-model endpoint: one image, every model an object under `prefix`. */
export const MultiModelContainer = z.strictObject({
  image: imageUri,
  /** The S3 prefix the models live under (SageMaker's ModelDataUrl for `Mode: MultiModel`), ending in `/`. */
  prefix: s3Uri({ kind: 'folder', example: 's3://my-bucket/mme/churn/' }),
  environment: z.optional(containerEnvironment),
  cacheSetting: ModelCacheSetting,
});
export type MultiModelContainer = z.output<typeof MultiModelContainer>;

/**
 * A model of a multi-model endpoint as it is invoked: InvokeEndpoint's TargetModel, its key relative to the
 * endpoint's prefix (SageMaker Runtime API model: TargetModelHeader, 1-1024 printable characters).
 */
export const TargetModel = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(1024),
    z.regex(
      /^\S[\p{L}\p{N}\p{P}\p{S}\p{Zs}]*$/u,
      "expected SageMaker's TargetModel: printable, not starting with a space",
    ),
  );

/** The name of a model of an MME: the start of its key, so letters, digits, `.`, `_` and `-` only. */
const MultiModelName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(200),
    z.regex(
      /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/,
      'expected letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes the start of an S3 key)',
    ),
  );

/** A model.tar.gz in S3. */
const ModelArchiveUrl = s3Uri({ kind: 'object', suffix: '.tar.gz', example: 's3://my-bucket/churn/eu/model.tar.gz' });

/** One model to place under a multi-model endpoint's prefix: a model.tar.gz to copy, or files to package first. */
export const MultiModelEntry = z
  .strictObject({
    name: MultiModelName,
    /** A model.tar.gz, copied under the prefix. */
    artifact: z.optional(ModelArchiveUrl),
    /** Source files, packaged (the PackageModel steps) and placed under the prefix. */
    package: z.optional(PackageModelInput),
  })
  .check(
    z.superRefine((entry, ctx) => {
      if ((entry.artifact === undefined) === (entry.package === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected either artifact or package', input: entry });
      }
      if (entry.package !== undefined && entry.package.format !== 'tar.gz') {
        ctx.addIssue({
          code: 'custom',
          path: ['package', 'format'],
          message: 'a multi-model endpoint loads each model from one .tar.gz: use the tar.gz format',
          input: entry.package.format,
        });
      }
    }),
  );
export type MultiModelEntry = z.output<typeof MultiModelEntry>;

/** What placing a model recorded: its name, the TargetModel to invoke it with, its key, and whether it is new. */
export const PlacedModel = z.object({
  name: z.string(),
  targetModel: z.string(),
  s3Uri: z.string(),
  created: z.boolean(),
});
export type PlacedModel = z.output<typeof PlacedModel>;

/**
 * How the endpoint answered a new invocation of a removed model: `refused`, SageMaker could not load it (its
 * object is gone); `still-loaded`, a copy loaded before answered, and keeps answering until it is unloaded.
 */
export const RemovalCheck = z.object({
  newInvocations: z.enum(['refused', 'still-loaded']),
  detail: z.string(),
});
export type RemovalCheck = z.output<typeof RemovalCheck>;

/** A multi-model endpoint as ResolveMultiModelEndpoint found it: its model, config and prefix. */
export const MultiModelEndpointFacts = z.object({
  prefix: z.string(),
  modelName: z.string(),
  endpointConfigName: z.string(),
  cacheSetting: z.string(),
});
export type MultiModelEndpointFacts = z.output<typeof MultiModelEndpointFacts>;
