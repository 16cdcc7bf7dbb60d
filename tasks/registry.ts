/**
 * The task registry: every Lambda step, listed once. Infra builds one function per entry (entry file,
 * timeout, memory, IAM actions); the local runner maps each synthesized function back to the same entry.
 * Adding a step = one folder under tasks/ + one line here.
 */
import type { TaskName } from '../workflows/task-names.ts';

/** The kinds of resource a task's IAM actions apply to; infra turns them into scoped ARNs. */
export type ResourceKind =
  | 'model'
  | 'endpoint-config'
  | 'endpoint'
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
  /** The buckets batch transform inputs and outputs live in, for listing. */
  | 'batch-data-bucket';

/** IAM actions on kinds of resource. */
export interface Permission {
  readonly actions: readonly string[];
  readonly resources: readonly ResourceKind[];
}

/** A Lambda handler as the runner calls it. */
export type TaskHandler = (event: unknown, context?: import('aws-lambda').Context) => Promise<unknown>;

/** One registered step. */
export interface TaskRegistration {
  /** Folder under tasks/ holding handler.ts. */
  readonly folder: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly permissions: readonly Permission[];
  /** Environment variables the handler reads, filled in by infra. */
  readonly environment: readonly ('SAGEMAKER_EXECUTION_ROLE_ARN' | 'EVENT_BUS_NAME' | 'ARTIFACT_BUCKET_NAME')[];
  readonly load: () => Promise<{ handler: TaskHandler }>;
}

const describeEndpoint: Permission = { actions: ['sagemaker:DescribeEndpoint'], resources: ['endpoint'] };

/** Packaging reads sources and writes packages in the artifact buckets, through the artifact bucket's key. */
const packagingPermissions: readonly Permission[] = [
  { actions: ['s3:ListBucket'], resources: ['artifact-bucket'] },
  { actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: ['artifact-object'] },
  { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['artifact-key'] },
];

const describeTransformJob: Permission = {
  actions: ['sagemaker:DescribeTransformJob'],
  resources: ['transform-job'],
};
const listBatchData: Permission = { actions: ['s3:ListBucket'], resources: ['batch-data-bucket'] };

/** Every task, by name. */
export const TASKS: Readonly<Record<TaskName, TaskRegistration>> = {
  ValidateDeployInput: {
    folder: 'validate-deploy-input',
    timeoutSeconds: 10,
    memoryMb: 256,
    permissions: [],
    environment: [],
    load: () => import('./validate-deploy-input/handler.ts'),
  },
  CreateModel: {
    folder: 'create-model',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      { actions: ['sagemaker:DescribeModel', 'sagemaker:CreateModel', 'sagemaker:AddTags'], resources: ['model'] },
      { actions: ['sagemaker:DescribeModelPackage'], resources: ['any'] },
      { actions: ['iam:PassRole'], resources: ['execution-role'] },
    ],
    environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
    load: () => import('./create-model/handler.ts'),
  },
  CreateEndpointConfig: {
    folder: 'create-endpoint-config',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      {
        actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:CreateEndpointConfig', 'sagemaker:AddTags'],
        resources: ['endpoint-config'],
      },
    ],
    environment: [],
    load: () => import('./create-endpoint-config/handler.ts'),
  },
  StartDeployment: {
    folder: 'start-deployment',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      describeEndpoint,
      {
        actions: ['sagemaker:CreateEndpoint', 'sagemaker:UpdateEndpoint', 'sagemaker:AddTags'],
        resources: ['endpoint', 'endpoint-config'],
      },
      { actions: ['sagemaker:ListTags'], resources: ['endpoint'] },
    ],
    environment: [],
    load: () => import('./start-deployment/handler.ts'),
  },
  GetEndpointStatus: {
    folder: 'get-endpoint-status',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [describeEndpoint],
    environment: [],
    load: () => import('./get-endpoint-status/handler.ts'),
  },
  VerifyDeployment: {
    folder: 'verify-deployment',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [describeEndpoint],
    environment: [],
    load: () => import('./verify-deployment/handler.ts'),
  },
  HealthCheck: {
    folder: 'health-check',
    timeoutSeconds: 600,
    memoryMb: 512,
    permissions: [{ actions: ['sagemaker:InvokeEndpoint'], resources: ['endpoint'] }],
    environment: [],
    load: () => import('./health-check/handler.ts'),
  },
  FinalizeDeployment: {
    folder: 'finalize-deployment',
    timeoutSeconds: 300,
    memoryMb: 256,
    permissions: [
      describeEndpoint,
      { actions: ['sagemaker:AddTags', 'sagemaker:ListTags'], resources: ['endpoint', 'endpoint-config', 'model'] },
      {
        actions: ['sagemaker:DescribeEndpointConfig', 'sagemaker:DeleteEndpointConfig'],
        resources: ['endpoint-config'],
      },
      { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
      { actions: ['sagemaker:ListEndpointConfigs', 'sagemaker:ListModels'], resources: ['any'] },
    ],
    environment: [],
    load: () => import('./finalize-deployment/handler.ts'),
  },
  StartRollback: {
    folder: 'start-rollback',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      describeEndpoint,
      { actions: ['sagemaker:UpdateEndpoint', 'sagemaker:DeleteEndpoint'], resources: ['endpoint', 'endpoint-config'] },
    ],
    environment: [],
    load: () => import('./start-rollback/handler.ts'),
  },
  CompleteRollback: {
    folder: 'complete-rollback',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      describeEndpoint,
      { actions: ['sagemaker:DeleteEndpointConfig'], resources: ['endpoint-config'] },
      { actions: ['sagemaker:DeleteModel'], resources: ['model'] },
    ],
    environment: [],
    load: () => import('./complete-rollback/handler.ts'),
  },
  PublishDeploymentEvent: {
    folder: 'publish-deployment-event',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [{ actions: ['events:PutEvents'], resources: ['event-bus'] }],
    environment: ['EVENT_BUS_NAME'],
    load: () => import('./publish-deployment-event/handler.ts'),
  },
  ValidatePackageInput: {
    folder: 'validate-package-input',
    timeoutSeconds: 10,
    memoryMb: 256,
    permissions: [],
    environment: [],
    load: () => import('./validate-package-input/handler.ts'),
  },
  // Streams GetObject -> tar -> gzip -> upload; gzip is CPU-bound and Lambda's CPU grows with memory (one full
  // vCPU from 1769 MB), while the function itself stays under 200 MB whatever the model size.
  PackageModel: {
    folder: 'package-model',
    timeoutSeconds: 900,
    memoryMb: 2048,
    permissions: packagingPermissions,
    environment: ['ARTIFACT_BUCKET_NAME'],
    load: () => import('./package-model/handler.ts'),
  },
  // Server-side copies: no model bytes pass through the function.
  CopyUncompressedModel: {
    folder: 'copy-uncompressed-model',
    timeoutSeconds: 900,
    memoryMb: 256,
    permissions: packagingPermissions,
    environment: ['ARTIFACT_BUCKET_NAME'],
    load: () => import('./copy-uncompressed-model/handler.ts'),
  },
  ValidateBatchInput: {
    folder: 'validate-batch-input',
    timeoutSeconds: 10,
    memoryMb: 256,
    permissions: [],
    environment: [],
    load: () => import('./validate-batch-input/handler.ts'),
  },
  ResolveBatchRun: {
    folder: 'resolve-batch-run',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [describeTransformJob, listBatchData],
    environment: [],
    load: () => import('./resolve-batch-run/handler.ts'),
  },
  StartTransformJob: {
    folder: 'start-transform-job',
    timeoutSeconds: 60,
    memoryMb: 256,
    permissions: [
      { actions: ['sagemaker:DescribeModel', 'sagemaker:CreateModel', 'sagemaker:AddTags'], resources: ['model'] },
      {
        actions: ['sagemaker:CreateTransformJob', 'sagemaker:DescribeTransformJob', 'sagemaker:AddTags'],
        resources: ['transform-job'],
      },
      { actions: ['iam:PassRole'], resources: ['execution-role'] },
    ],
    environment: ['SAGEMAKER_EXECUTION_ROLE_ARN'],
    load: () => import('./start-transform-job/handler.ts'),
  },
  GetTransformJobStatus: {
    folder: 'get-transform-job-status',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [describeTransformJob],
    environment: [],
    load: () => import('./get-transform-job-status/handler.ts'),
  },
  StopTransformJob: {
    folder: 'stop-transform-job',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [
      { actions: ['sagemaker:DescribeTransformJob', 'sagemaker:StopTransformJob'], resources: ['transform-job'] },
    ],
    environment: [],
    load: () => import('./stop-transform-job/handler.ts'),
  },
  // Lists keys only; a night's input of a million objects is a thousand ListObjectsV2 pages.
  VerifyTransformOutputs: {
    folder: 'verify-transform-outputs',
    timeoutSeconds: 300,
    memoryMb: 512,
    permissions: [listBatchData],
    environment: [],
    load: () => import('./verify-transform-outputs/handler.ts'),
  },
  PublishBatchEvent: {
    folder: 'publish-batch-event',
    timeoutSeconds: 30,
    memoryMb: 256,
    permissions: [{ actions: ['events:PutEvents'], resources: ['event-bus'] }],
    environment: ['EVENT_BUS_NAME'],
    load: () => import('./publish-batch-event/handler.ts'),
  },
};
