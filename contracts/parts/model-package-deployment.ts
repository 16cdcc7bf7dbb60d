/**
 * Model Registry contract parts: the settings a followed model package group deploys with (the deployment config
 * file maps each group to them; DeployApprovedModelPackage takes them with the event), and the
 * `SageMaker Model Package State Change` event as EventBridge delivers it.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../contract-parts.ts';
import { endpointDeploymentFields, guardrailsFitTheEndpoint, samplesTargetTheirVariants } from './endpoint.ts';
import {
  MODEL_PACKAGE_STATE_CHANGE,
  modelPackageOf,
  TRIGGERING_APPROVAL_STATUSES,
  VERSIONED_MODEL_PACKAGE_ARN,
} from './model-package-events.ts';

/** A model package group's name, as SageMaker's CreateModelPackageGroup accepts it. */
export const ModelPackageGroupName = sageMakerName;

// The version label is the package itself (its ARN); a group's settings do not choose it.
const { modelVersion: _modelVersion, ...deploymentFields } = endpointDeploymentFields;

/**
 * How a followed model package group deploys its approved packages: the endpoint, its variants, health check,
 * guardrails, failure policy, retention, tags and wait policy, as DeployEndpoint takes them (the model is the
 * approved package).
 */
export const ModelPackageDeployment = z
  .strictObject({ endpointName: sageMakerName, ...deploymentFields })
  .check(z.superRefine(samplesTargetTheirVariants), z.superRefine(guardrailsFitTheEndpoint));

/** A group's settings as a user writes them. */
export type ModelPackageDeploymentDocument = z.input<typeof ModelPackageDeployment>;
/** A group's settings with defaults applied. */
export type ModelPackageDeployment = z.output<typeof ModelPackageDeployment>;

/** The detail of a `SageMaker Model Package State Change` event: the members this project reads (others pass). */
const ModelPackageStateChangeDetail = z
  .looseObject({
    ModelPackageGroupName,
    ModelPackageVersion: z.int().check(z.gte(1)),
    ModelPackageArn: z
      .string()
      .check(
        z.regex(
          VERSIONED_MODEL_PACKAGE_ARN,
          'expected a versioned model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
        ),
      ),
    ModelApprovalStatus: z.enum(TRIGGERING_APPROVAL_STATUSES, {
      error: 'expected Approved or Rejected: only approval decisions deploy (the rule filters out the others)',
    }),
  })
  .check(
    z.superRefine((detail, ctx) => {
      const named = modelPackageOf(detail.ModelPackageArn);
      if (named === undefined) return;
      // SageMaker lower-cases the group's name in its packages' ARNs.
      const sameGroup = named.group === detail.ModelPackageGroupName.toLowerCase();
      if (!sameGroup || named.version !== detail.ModelPackageVersion) {
        ctx.addIssue({
          code: 'custom',
          path: ['ModelPackageArn'],
          message: `expected the package of group ${detail.ModelPackageGroupName}, version ${detail.ModelPackageVersion}; the ARN names ${named.group}/${named.version}`,
        });
      }
    }),
  );

/** A `SageMaker Model Package State Change` event, as EventBridge delivers it to a rule's target. */
export const ModelPackageStateChangeEvent = z.looseObject({
  source: z.literal(MODEL_PACKAGE_STATE_CHANGE.source, {
    error: `expected "${MODEL_PACKAGE_STATE_CHANGE.source}"`,
  }),
  'detail-type': z.literal(MODEL_PACKAGE_STATE_CHANGE.detailType, {
    error: `expected "${MODEL_PACKAGE_STATE_CHANGE.detailType}"`,
  }),
  detail: ModelPackageStateChangeDetail,
});
export type ModelPackageStateChangeEvent = z.output<typeof ModelPackageStateChangeEvent>;
