/**
 * The Model Registry event a followed group's rule matches and the package ARNs it names, without zod: the
 * contract, the stack's rule, the dispatcher and ResolveModelPackage read them (their bundles carry no contract).
 */

/** The event source and detail-type of a Model Registry state change (DG automating-sagemaker-with-eventbridge). */
export const MODEL_PACKAGE_STATE_CHANGE = {
  source: 'aws.sagemaker',
  detailType: 'SageMaker Model Package State Change',
} as const;

/** The approval statuses that start a deployment (Approved) or a redeployment (Rejected). */
export const TRIGGERING_APPROVAL_STATUSES = ['Approved', 'Rejected'] as const;

/** A versioned model package's ARN: `arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>`. */
export const VERSIONED_MODEL_PACKAGE_ARN =
  /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/([a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})\/([1-9][0-9]*)$/;

/** The group (lower-cased, as SageMaker writes it in ARNs) and version a versioned model package's ARN names, or undefined for any other ARN. */
export function modelPackageOf(arn: string): { group: string; version: number } | undefined {
  const match = VERSIONED_MODEL_PACKAGE_ARN.exec(arn);
  return match?.[1] !== undefined && match[3] !== undefined
    ? { group: match[1], version: Number(match[3]) }
    : undefined;
}
