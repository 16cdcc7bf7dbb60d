/**
 * What the registry knows of a step besides its code: how it is deployed (timeout, memory), the IAM actions it
 * calls on which kinds of resource, and the environment variables it reads. Data only: infra reads it at
 * synthesis without loading any step's code.
 */

/** The kinds of resource a task's IAM actions apply to; infra turns them into scoped ARNs. */
export type ResourceKind =
  | 'model'
  | 'endpoint-config'
  | 'endpoint'
  /** Inference components (arn:aws:sagemaker:<region>:<account>:inference-component/<name>). */
  | 'inference-component'
  | 'any'
  | 'event-bus'
  | 'execution-role'
  /** The artifact buckets (the stack's own and the configured model artifact buckets), for listing. */
  | 'artifact-bucket'
  /** Objects in the artifact buckets. */
  | 'artifact-object'
  /** The KMS key of the stack's artifact bucket. */
  | 'artifact-key'
  | 'transform-job'
  /** Inference Recommender jobs (RightSizeEndpoint's engine "inference-recommender"). */
  | 'inference-recommendations-job'
  /** The buckets batch transform inputs and outputs live in, for listing. */
  | 'batch-data-bucket'
  /** The CloudWatch alarms target tracking creates for a variant (TargetTracking-endpoint/<name>/...). */
  | 'scaling-alarm'
  /** The CloudWatch alarms target tracking creates for an inference component (TargetTracking-inference-component/<name>-...). */
  | 'component-scaling-alarm'
  /** Application Auto Scaling's service-linked role for SageMaker endpoints, created on first registration. */
  | 'scaling-service-linked-role'
  /** The endpoint lease objects: the `leases/` prefix of the stack's own artifact bucket. */
  | 'lease-object'
  /** Executions of this stack's state machines (a lease holder's, described to see whether it still runs). */
  | 'workflow-execution'
  /** The stack's wait records table (contracts/task-tokens.ts). */
  | 'wait-record-table'
  /** This stack's state machines (their waiting tasks are completed with SendTaskSuccess). */
  | 'workflow-state-machine';

/** IAM actions on kinds of resource. */
export interface Permission {
  readonly actions: readonly string[];
  readonly resources: readonly ResourceKind[];
}

/** Environment variables a handler may read; infra fills them in. */
type TaskEnvironmentVariable =
  | 'SAGEMAKER_EXECUTION_ROLE_ARN'
  | 'EVENT_BUS_NAME'
  | 'ARTIFACT_BUCKET_NAME'
  | 'WAIT_TABLE_NAME';

/** How one step is deployed. */
export interface TaskRegistration {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly permissions: readonly Permission[];
  readonly environment: readonly TaskEnvironmentVariable[];
}

/**
 * What a step that starts a change under its waiting task's token does: writes the token to the wait records table,
 * and completes the task itself when nothing is left to wait for (task results go to this stack's state machines
 * only).
 */
export const taskTokenPermissions: readonly Permission[] = [
  { actions: ['dynamodb:PutItem'], resources: ['wait-record-table'] },
  { actions: ['states:SendTaskSuccess'], resources: ['workflow-state-machine'] },
];

/** What CompleteWait does with the wait records: reads them, and writes new tokens and completions. */
export const waitRecordPermissions: readonly Permission[] = [
  { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: ['wait-record-table'] },
  { actions: ['states:SendTaskSuccess'], resources: ['workflow-state-machine'] },
];

/** DescribeEndpoint, which most endpoint steps call. */
export const describeEndpoint: Permission = { actions: ['sagemaker:DescribeEndpoint'], resources: ['endpoint'] };

/** Packaging reads sources and writes packages in the artifact buckets, through the artifact bucket's key. */
export const packagingPermissions: readonly Permission[] = [
  { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
  { actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: ['artifact-object'] },
  { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
];

/**
 * Reading and writing the endpoint lease objects (GetObject, and PutObject with its conditions), under the
 * artifact bucket's key: the lease steps reach no other object.
 */
export const leaseObjectPermissions: readonly Permission[] = [
  { actions: ['s3:GetObject', 's3:PutObject'], resources: ['lease-object'] },
  { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
];

/** DescribeTransformJob. */
export const describeTransformJob: Permission = {
  actions: ['sagemaker:DescribeTransformJob'],
  resources: ['transform-job'],
};

/** Listing the batch data buckets (inputs to skip empty runs, outputs to verify them). */
export const listBatchData: Permission = { actions: ['s3:ListBucket'], resources: ['batch-data-bucket'] };

/** Reading an endpoint's Application Auto Scaling registration (no resource-level permissions: API reference). */
export const describeAutoScaling: Permission = {
  actions: ['application-autoscaling:DescribeScalableTargets', 'application-autoscaling:DescribeScalingPolicies'],
  resources: ['any'],
};

/**
 * Changing an endpoint's registration: the Application Auto Scaling actions, the SageMaker and CloudWatch actions
 * Application Auto Scaling performs with the caller's permissions when it registers a variant and creates or
 * deletes target-tracking alarms, and the creation of its service-linked role for SageMaker (AAS user guide:
 * identity-based policy examples, service-linked roles).
 */
export const changeAutoScaling: readonly Permission[] = [
  describeAutoScaling,
  {
    actions: [
      'application-autoscaling:RegisterScalableTarget',
      'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:PutScalingPolicy',
      'application-autoscaling:DeleteScalingPolicy',
    ],
    resources: ['any'],
  },
  describeEndpoint,
  { actions: ['sagemaker:DescribeEndpointConfig'], resources: ['endpoint-config'] },
  { actions: ['sagemaker:UpdateEndpointWeightsAndCapacities'], resources: ['endpoint'] },
  {
    actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
    resources: ['scaling-alarm'],
  },
  { actions: ['iam:CreateServiceLinkedRole'], resources: ['scaling-service-linked-role'] },
];

/** Registering an inference component's copy count (which may set the count within the range), nothing else. */
export const registerComponentScaling: readonly Permission[] = [
  { actions: ['application-autoscaling:RegisterScalableTarget'], resources: ['any'] },
  // What Application Auto Scaling does with the caller's permissions when it registers a component and puts its
  // copy count within the range (AAS user guide: identity-based policy examples).
  {
    actions: ['sagemaker:DescribeInferenceComponent', 'sagemaker:UpdateInferenceComponentRuntimeConfig'],
    resources: ['inference-component'],
  },
  { actions: ['iam:CreateServiceLinkedRole'], resources: ['scaling-service-linked-role'] },
];

/**
 * Changing an inference component's copy-count registration: the Application Auto Scaling actions, and what it does
 * with the caller's permissions for a component (reads it and sets its copy count, creates and deletes its
 * target-tracking alarms, creates its service-linked role for SageMaker).
 */
export const changeComponentAutoScaling: readonly Permission[] = [
  describeAutoScaling,
  {
    actions: [
      'application-autoscaling:RegisterScalableTarget',
      'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:PutScalingPolicy',
      'application-autoscaling:DeleteScalingPolicy',
    ],
    resources: ['any'],
  },
  {
    actions: ['sagemaker:DescribeInferenceComponent', 'sagemaker:UpdateInferenceComponentRuntimeConfig'],
    resources: ['inference-component'],
  },
  {
    actions: ['cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
    resources: ['component-scaling-alarm'],
  },
  { actions: ['iam:CreateServiceLinkedRole'], resources: ['scaling-service-linked-role'] },
];
