/**
 * Every Lambda task the workflows use, by name. Workflows refer to tasks only through these names;
 * `tasks/registry.ts` maps each to its handler, timeout, memory and IAM actions.
 */
export const TASK_NAMES = [
  'ValidateDeployInput',
  'CreateModel',
  'CreateEndpointConfig',
  'StartDeployment',
  'GetEndpointStatus',
  'VerifyDeployment',
  'HealthCheck',
  'FinalizeDeployment',
  'StartRollback',
  'CompleteRollback',
  'PublishDeploymentEvent',
  'ValidatePackageInput',
  'PackageModel',
  'CopyUncompressedModel',
  'ValidateBatchInput',
  'ResolveBatchRun',
  'StartTransformJob',
  'GetTransformJobStatus',
  'VerifyTransformOutputs',
  'StopTransformJob',
  'PublishBatchEvent',
] as const;

/** The name of one registered Lambda task. */
export type TaskName = (typeof TASK_NAMES)[number];

/** The tag on each Lambda function naming its task, so the local runner can map a synthesized ARN back to it. */
export const TASK_TAG_KEY = 'sagemaker-workflows:task';
