/**
 * Model contract parts: where a deployed model's image and data come from (an artifact URL, uncompressed files
 * under a prefix, source files to package first, or a registered model package).
 */
import * as z from 'zod/mini';
import { containerEnvironment, imageUri } from '../contract-parts.ts';
import { PackageModelInput } from './packaging.ts';
import { modelDataUrl, s3Uri } from './s3.ts';

/** Uncompressed model files under an S3 prefix (SageMaker's ModelDataSource, as PackageModel returns it). */
export const ModelDataSourceInput = z.strictObject({
  s3Uri: s3Uri({ kind: 'folder', example: 's3://my-bucket/models/churn/' }),
  s3DataType: z._default(z.literal('S3Prefix'), 'S3Prefix'),
  compressionType: z._default(z.literal('None'), 'None'),
});
export type ModelDataSourceInput = z.output<typeof ModelDataSourceInput>;

/**
 * The model to deploy: a container image with its model data (a model.tar.gz URL, uncompressed files under a
 * prefix, or source files to package first), or a registered model package.
 */
export const ModelSource = z
  .strictObject({
    image: z.optional(imageUri),
    modelDataUrl: z.optional(modelDataUrl),
    modelDataSource: z.optional(ModelDataSourceInput),
    /** Package these source files first (the PackageModel steps) and deploy the result. */
    package: z.optional(PackageModelInput),
    environment: z.optional(containerEnvironment),
    modelPackageArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/\S{1,2048}$/,
            'expected a model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
          ),
        ),
    ),
  })
  .check(
    z.superRefine((model, ctx) => {
      if (model.image === undefined && model.modelPackageArn === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected either image (with modelDataUrl) or modelPackageArn' });
      }
      if (model.image !== undefined && model.modelPackageArn !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['modelPackageArn'],
          message: 'give either image or modelPackageArn, not both',
        });
      }
      const modelData = (['modelDataUrl', 'modelDataSource', 'package'] as const).filter(
        (key) => model[key] !== undefined,
      );
      if (model.modelPackageArn !== undefined && (modelData.length > 0 || model.environment !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['modelPackageArn'],
          message: `a model package brings its own image, artifact and environment; remove ${[...modelData, ...(model.environment !== undefined ? ['environment'] : [])].join(' and ')}`,
        });
      } else if (modelData.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [modelData[1] as string],
          message: `give one of modelDataUrl, modelDataSource or package, not ${modelData.join(' and ')}`,
        });
      }
    }),
  );
export type ModelSource = z.output<typeof ModelSource>;
