/**
 * The names of the project's steps (Lambda tasks), listed once. Workflows refer to a step by one of these names;
 * tasks/registry.ts gives each its code and deployment (and must cover exactly this list: the compiler checks).
 * A plain list, so that workflows can name steps without importing any step's code.
 */
export const STEP_NAMES = [
  'CreateModel',
  'CreateEndpointConfig',
  'StartDeployment',
  'GetEndpointStatus',
  'VerifyDeployment',
  'HealthCheck',
  'UploadAsyncSamples',
  'JudgeAsyncResults',
  'FinalizeDeployment',
  'StartRollback',
  'CompleteRollback',
  'PublishDeploymentEvent',
  'PackageModel',
  'CopyUncompressedModel',
  'ResolveBatchRun',
  'StartTransformJob',
  'GetTransformJobStatus',
  'StopTransformJob',
  'DeleteRunModel',
  'VerifyTransformOutputs',
  'PublishBatchEvent',
  'ResolveMultiModelEndpoint',
  'PlaceModel',
  'WarmUpModel',
  'DeleteModelArtifact',
  'VerifyModelRemoved',
  'PublishModelEvent',
  'ResolveModelPackage',
  'PublishModelPackageEvent',
  'RecordAutoScaling',
  'SuspendAutoScaling',
  'ApplyAutoScaling',
  'RestoreAutoScaling',
  'PrepareLoadTest',
  'ResolveLoadSamples',
  'GuardLiveTraffic',
  'GenerateLoad',
  'JudgeLoadStep',
  'ReportLoadTest',
] as const;

/** The name of one step (also its state name where a workflow uses it once). */
export type TaskName = (typeof STEP_NAMES)[number];
