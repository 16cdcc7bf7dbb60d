/**
 * The Model Registry event a followed group's rule matches, as constants only (no zod): the contract, the stack's
 * rule and the dispatcher's bundle read them.
 */

/** The event source and detail-type of a Model Registry state change (DG automating-sagemaker-with-eventbridge). */
export const MODEL_PACKAGE_STATE_CHANGE = {
  source: 'aws.sagemaker',
  detailType: 'SageMaker Model Package State Change',
} as const;

/** The approval statuses that start a deployment (Approved) or a redeployment (Rejected). */
export const TRIGGERING_APPROVAL_STATUSES = ['Approved', 'Rejected'] as const;
