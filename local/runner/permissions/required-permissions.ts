/**
 * What IAM checks for one API call: the action(s) and resource ARN(s) an operation is authorized with, computed from
 * its input. Sources: the Service Authorization Reference ("Actions, resources, and condition keys for <service>":
 * the action an operation is authorized by, its resource types and ARN formats) and each operation's "Permissions"
 * section in the service's API reference, cited per entry where the names differ. An operation with no entry is
 * refused with UnmappedOperationError: a call is checked or it fails, it never passes unchecked.
 */
import type { AuthorizationRequest } from '../../emulator/iam/policy.ts';
import { stateMachineOfTaskToken } from '../task-tokens.ts';

/** Where the call goes: the client's region and the account the emulator's ARNs use. */
export interface CallScope {
  readonly region: string;
  readonly account: string;
  /** KMS key ARN of each bucket encrypted by default with SSE-KMS (from the synthesized stack). */
  readonly bucketKeys: ReadonlyMap<string, string>;
}

/** An operation this table does not map to IAM actions: the call fails rather than pass unchecked. */
export class UnmappedOperationError extends Error {
  constructor(client: string, operation: string) {
    super(
      `${client} ${operation} is not mapped to IAM actions (local/runner/permissions/required-permissions.ts): ` +
        'add it from the Service Authorization Reference before a step calls it',
    );
    this.name = 'UnmappedOperationError';
  }
}

type Input = Readonly<Record<string, unknown>>;
type Mapper = (input: Input, scope: CallScope) => AuthorizationRequest[];

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** SageMaker ARNs carry resource names in lower case (SageMaker API reference: every *Arn of a named resource). */
function sageMakerArn(scope: CallScope, type: string, name: unknown): string {
  const value = text(name);
  if (value.startsWith('arn:')) return value;
  return `arn:aws:sagemaker:${scope.region}:${scope.account}:${type}/${value.toLowerCase()}`;
}

const on =
  (action: string, type: string, member: string): Mapper =>
  (input, scope) => [{ action, resource: sageMakerArn(scope, type, input[member]) }];

/** Actions without resource-level permissions are authorized on `*` (the Resource types column is empty). */
const anyResource =
  (action: string): Mapper =>
  () => [{ action, resource: '*' }];

/** Tags in a Create* request need sagemaker:AddTags on the new resource (SageMaker Developer Guide, "Tagging resources on creation"). */
function withTags(input: Input, requests: AuthorizationRequest[]): AuthorizationRequest[] {
  const tags = input.Tags;
  if (!Array.isArray(tags) || tags.length === 0) return requests;
  const created = requests[0] as AuthorizationRequest;
  return [...requests, { action: 'sagemaker:AddTags', resource: created.resource }];
}

/**
 * Passing an execution role (ExecutionRoleArn) is iam:PassRole on it, to SageMaker (IAM User Guide, "Grant a user
 * permissions to pass a role to an AWS service"; the condition key iam:PassedToService).
 */
function withPassedRole(input: Input, requests: AuthorizationRequest[]): AuthorizationRequest[] {
  const role = text(input.ExecutionRoleArn);
  if (role === '') return requests;
  return [
    ...requests,
    { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  ];
}

const SAGEMAKER: Readonly<Record<string, Mapper>> = {
  CreateModel: (input, scope) =>
    withPassedRole(
      input,
      withTags(input, [{ action: 'sagemaker:CreateModel', resource: sageMakerArn(scope, 'model', input.ModelName) }]),
    ),
  DescribeModel: on('sagemaker:DescribeModel', 'model', 'ModelName'),
  DeleteModel: on('sagemaker:DeleteModel', 'model', 'ModelName'),
  ListModels: anyResource('sagemaker:ListModels'),
  // An endpoint config's ExecutionRoleArn (an endpoint for inference components) is passed like a model's
  // (CreateEndpointConfig API reference, ExecutionRoleArn: "the caller of this action must have the iam:PassRole
  // permission").
  CreateEndpointConfig: (input, scope) =>
    withPassedRole(
      input,
      withTags(input, [
        {
          action: 'sagemaker:CreateEndpointConfig',
          resource: sageMakerArn(scope, 'endpoint-config', input.EndpointConfigName),
        },
      ]),
    ),
  DescribeEndpointConfig: on('sagemaker:DescribeEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  DeleteEndpointConfig: on('sagemaker:DeleteEndpointConfig', 'endpoint-config', 'EndpointConfigName'),
  ListEndpointConfigs: anyResource('sagemaker:ListEndpointConfigs'),
  CreateEndpoint: (input, scope) =>
    withTags(input, [
      { action: 'sagemaker:CreateEndpoint', resource: sageMakerArn(scope, 'endpoint', input.EndpointName) },
    ]),
  // UpdateEndpoint is authorized on the endpoint and on the endpoint config it moves to (both resource types).
  UpdateEndpoint: (input, scope) => [
    { action: 'sagemaker:UpdateEndpoint', resource: sageMakerArn(scope, 'endpoint', input.EndpointName) },
    {
      action: 'sagemaker:UpdateEndpoint',
      resource: sageMakerArn(scope, 'endpoint-config', input.EndpointConfigName),
    },
  ],
  DescribeEndpoint: on('sagemaker:DescribeEndpoint', 'endpoint', 'EndpointName'),
  DeleteEndpoint: on('sagemaker:DeleteEndpoint', 'endpoint', 'EndpointName'),
  ListEndpoints: anyResource('sagemaker:ListEndpoints'),
  UpdateEndpointWeightsAndCapacities: on('sagemaker:UpdateEndpointWeightsAndCapacities', 'endpoint', 'EndpointName'),
  AddTags: (input) => [{ action: 'sagemaker:AddTags', resource: text(input.ResourceArn) }],
  ListTags: (input) => [{ action: 'sagemaker:ListTags', resource: text(input.ResourceArn) }],
  CreateTransformJob: (input, scope) =>
    withTags(input, [
      {
        action: 'sagemaker:CreateTransformJob',
        resource: sageMakerArn(scope, 'transform-job', input.TransformJobName),
      },
    ]),
  DescribeTransformJob: on('sagemaker:DescribeTransformJob', 'transform-job', 'TransformJobName'),
  StopTransformJob: on('sagemaker:StopTransformJob', 'transform-job', 'TransformJobName'),
  ListTransformJobs: anyResource('sagemaker:ListTransformJobs'),
  // Passing the role the job's endpoints run with is iam:PassRole on it, as CreateModel's.
  CreateInferenceRecommendationsJob: (input, scope) => [
    ...withTags(input, [
      {
        action: 'sagemaker:CreateInferenceRecommendationsJob',
        resource: sageMakerArn(scope, 'inference-recommendations-job', input.JobName),
      },
    ]),
    {
      action: 'iam:PassRole',
      resource: text(input.RoleArn),
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    },
  ],
  DescribeInferenceRecommendationsJob: on(
    'sagemaker:DescribeInferenceRecommendationsJob',
    'inference-recommendations-job',
    'JobName',
  ),
  // A versioned package's name is its ARN; an unversioned one is named (model-package/<name>).
  DescribeModelPackage: on('sagemaker:DescribeModelPackage', 'model-package', 'ModelPackageName'),
  ListModelPackages: anyResource('sagemaker:ListModelPackages'),
  DescribeModelPackageGroup: on('sagemaker:DescribeModelPackageGroup', 'model-package-group', 'ModelPackageGroupName'),
  // Inference components: each operation on the component's ARN; CreateInferenceComponent on the endpoint too, and
  // InvokeEndpoint naming a component on the component as well (Service Authorization Reference for SageMaker:
  // resource types of CreateInferenceComponent and InvokeEndpoint).
  CreateInferenceComponent: (input, scope) =>
    withTags(input, [
      {
        action: 'sagemaker:CreateInferenceComponent',
        resource: sageMakerArn(scope, 'inference-component', input.InferenceComponentName),
      },
      { action: 'sagemaker:CreateInferenceComponent', resource: sageMakerArn(scope, 'endpoint', input.EndpointName) },
    ]),
  DescribeInferenceComponent: on(
    'sagemaker:DescribeInferenceComponent',
    'inference-component',
    'InferenceComponentName',
  ),
  UpdateInferenceComponent: on('sagemaker:UpdateInferenceComponent', 'inference-component', 'InferenceComponentName'),
  UpdateInferenceComponentRuntimeConfig: on(
    'sagemaker:UpdateInferenceComponentRuntimeConfig',
    'inference-component',
    'InferenceComponentName',
  ),
  DeleteInferenceComponent: on('sagemaker:DeleteInferenceComponent', 'inference-component', 'InferenceComponentName'),
  ListInferenceComponents: anyResource('sagemaker:ListInferenceComponents'),
};

const SAGEMAKER_RUNTIME: Readonly<Record<string, Mapper>> = {
  // InvokeEndpoint naming an inference component is authorized on the component as well.
  InvokeEndpoint: (input, scope) => [
    { action: 'sagemaker:InvokeEndpoint', resource: sageMakerArn(scope, 'endpoint', input.EndpointName) },
    ...(input.InferenceComponentName !== undefined
      ? [
          {
            action: 'sagemaker:InvokeEndpoint',
            resource: sageMakerArn(scope, 'inference-component', input.InferenceComponentName),
          },
        ]
      : []),
  ],
  InvokeEndpointAsync: on('sagemaker:InvokeEndpointAsync', 'endpoint', 'EndpointName'),
};

const bucketArn = (bucket: unknown) => `arn:aws:s3:::${text(bucket)}`;
const objectArn = (bucket: unknown, key: unknown) => `arn:aws:s3:::${text(bucket)}/${text(key)}`;

/**
 * S3 through a bucket's default SSE-KMS key: writing needs kms:GenerateDataKey and reading kms:Decrypt on the key,
 * with the caller's permissions (S3 User Guide, "Using server-side encryption with AWS KMS keys": permissions).
 */
function kms(scope: CallScope, bucket: unknown, action: 'kms:GenerateDataKey' | 'kms:Decrypt'): AuthorizationRequest[] {
  const key = scope.bucketKeys.get(text(bucket));
  return key === undefined ? [] : [{ action, resource: key }];
}

/** `bucket/key[?versionId=...]`, URL-encoded, as CopySource carries it. */
function copySource(value: unknown): { bucket: string; key: string; versioned: boolean } {
  const [path = '', query = ''] = text(value).replace(/^\//, '').split('?');
  const slash = path.indexOf('/');
  return {
    bucket: decodeURIComponent(path.slice(0, slash)),
    key: decodeURIComponent(path.slice(slash + 1)),
    versioned: /(^|&)versionId=/.test(query),
  };
}

/** Reading a copy's source: s3:GetObject (GetObjectVersion for a version) and the source bucket's key. */
function readSource(input: Input, scope: CallScope): AuthorizationRequest[] {
  const source = copySource(input.CopySource);
  return [
    {
      action: source.versioned ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(source.bucket, source.key),
    },
    ...kms(scope, source.bucket, 'kms:Decrypt'),
  ];
}

const objectTagging = (input: Input): AuthorizationRequest[] =>
  text(input.Tagging) === '' ? [] : [{ action: 's3:PutObjectTagging', resource: objectArn(input.Bucket, input.Key) }];

/**
 * The S3 operations whose IAM action is named differently, from each operation's "Permissions" section in the
 * Amazon S3 API Reference and the Service Authorization Reference for Amazon S3: HeadObject is s3:GetObject,
 * ListObjectsV2 and HeadBucket s3:ListBucket, every part of a multipart upload s3:PutObject, a copy s3:GetObject on
 * its source and s3:PutObject on its target, tags given with an upload s3:PutObjectTagging.
 */
const S3: Readonly<Record<string, Mapper>> = {
  GetObject: (input, scope) => [
    {
      action: input.VersionId !== undefined ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(input.Bucket, input.Key),
    },
    ...kms(scope, input.Bucket, 'kms:Decrypt'),
  ],
  HeadObject: (input) => [
    {
      action: input.VersionId !== undefined ? 's3:GetObjectVersion' : 's3:GetObject',
      resource: objectArn(input.Bucket, input.Key),
    },
  ],
  PutObject: (input, scope) => [
    { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) },
    ...objectTagging(input),
    ...kms(scope, input.Bucket, 'kms:GenerateDataKey'),
  ],
  CopyObject: (input, scope) => [
    ...readSource(input, scope),
    { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) },
    ...(input.TaggingDirective === 'REPLACE' ? objectTagging(input) : []),
    ...kms(scope, input.Bucket, 'kms:GenerateDataKey'),
  ],
  // A multipart upload under SSE-KMS: GenerateDataKey to start it, Decrypt for each part (API reference,
  // CreateMultipartUpload "Permissions").
  CreateMultipartUpload: (input, scope) => [
    { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) },
    ...objectTagging(input),
    ...kms(scope, input.Bucket, 'kms:GenerateDataKey'),
  ],
  UploadPart: (input, scope) => [
    { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) },
    ...kms(scope, input.Bucket, 'kms:Decrypt'),
  ],
  UploadPartCopy: (input, scope) => [
    ...readSource(input, scope),
    { action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) },
    ...kms(scope, input.Bucket, 'kms:Decrypt'),
  ],
  CompleteMultipartUpload: (input) => [{ action: 's3:PutObject', resource: objectArn(input.Bucket, input.Key) }],
  AbortMultipartUpload: (input) => [
    { action: 's3:AbortMultipartUpload', resource: objectArn(input.Bucket, input.Key) },
  ],
  ListParts: (input) => [{ action: 's3:ListMultipartUploadParts', resource: objectArn(input.Bucket, input.Key) }],
  DeleteObject: (input) => [
    {
      action: input.VersionId !== undefined ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
      resource: objectArn(input.Bucket, input.Key),
    },
  ],
  DeleteObjects: (input) =>
    ((input.Delete as { Objects?: { Key?: string; VersionId?: string }[] } | undefined)?.Objects ?? []).map(
      (object) => ({
        action: object.VersionId !== undefined ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
        resource: objectArn(input.Bucket, object.Key),
      }),
    ),
  ListObjectsV2: (input) => [{ action: 's3:ListBucket', resource: bucketArn(input.Bucket) }],
  ListObjects: (input) => [{ action: 's3:ListBucket', resource: bucketArn(input.Bucket) }],
  HeadBucket: (input) => [{ action: 's3:ListBucket', resource: bucketArn(input.Bucket) }],
  CreateBucket: (input) => [{ action: 's3:CreateBucket', resource: bucketArn(input.Bucket) }],
  GetObjectTagging: (input) => [{ action: 's3:GetObjectTagging', resource: objectArn(input.Bucket, input.Key) }],
  PutObjectTagging: (input) => [{ action: 's3:PutObjectTagging', resource: objectArn(input.Bucket, input.Key) }],
};

/** A bus named by name or ARN; no name is the account's default bus (EventBridge API reference, PutEventsRequestEntry). */
function eventBusArn(scope: CallScope, bus: unknown): string {
  const value = text(bus) || 'default';
  return value.startsWith('arn:') ? value : `arn:aws:events:${scope.region}:${scope.account}:event-bus/${value}`;
}

const EVENTBRIDGE: Readonly<Record<string, Mapper>> = {
  // PutEvents is authorized on the bus of every entry.
  PutEvents: (input, scope) => {
    const buses = new Set(
      ((input.Entries ?? []) as { EventBusName?: string }[]).map((entry) => eventBusArn(scope, entry.EventBusName)),
    );
    return [...buses].map((resource) => ({ action: 'events:PutEvents', resource }));
  },
};

/**
 * Application Auto Scaling: checked on `*`. Scalable target ARNs exist only once a target is registered (the
 * Service Authorization Reference's scalable-target resource type), and the stack grants these actions on `*`.
 */
const APPLICATION_AUTO_SCALING: Readonly<Record<string, Mapper>> = Object.fromEntries(
  [
    'DescribeScalableTargets',
    'DescribeScalingPolicies',
    'DescribeScalingActivities',
    'RegisterScalableTarget',
    'DeregisterScalableTarget',
    'PutScalingPolicy',
    'DeleteScalingPolicy',
  ].map((operation) => [operation, anyResource(`application-autoscaling:${operation}`)]),
);

/**
 * CloudWatch: GetMetricData has no resource-level permissions (Service Authorization Reference, "Actions, resources,
 * and condition keys for Amazon CloudWatch": its Resource types column is empty), so it is checked on `*`.
 */
const CLOUDWATCH: Readonly<Record<string, Mapper>> = {
  GetMetricData: anyResource('cloudwatch:GetMetricData'),
};

/**
 * Service Quotas: ListServiceQuotas has no resource-level permissions (Service Authorization Reference, "Actions,
 * resources, and condition keys for Service Quotas": its Resource types column is empty), so it is checked on `*`.
 */
const SERVICE_QUOTAS: Readonly<Record<string, Mapper>> = {
  ListServiceQuotas: anyResource('servicequotas:ListServiceQuotas'),
};

const STEP_FUNCTIONS: Readonly<Record<string, Mapper>> = {
  StartExecution: (input) => [{ action: 'states:StartExecution', resource: text(input.stateMachineArn) }],
  DescribeExecution: (input) => [{ action: 'states:DescribeExecution', resource: text(input.executionArn) }],
  // A task's result is authorized on the state machine whose execution waits for it (aws-cdk-lib's
  // StateMachine.grantTaskResponse grants these actions on the state machine's ARN); a token the runner did not mint
  // names none, and is checked on `*`.
  ...Object.fromEntries(
    ['SendTaskSuccess', 'SendTaskFailure', 'SendTaskHeartbeat'].map((operation): [string, Mapper] => [
      operation,
      (input) => [{ action: `states:${operation}`, resource: stateMachineOfTaskToken(text(input.taskToken)) ?? '*' }],
    ]),
  ),
};

/** DynamoDB: every item operation is authorized on its table (Service Authorization Reference, Amazon DynamoDB). */
const DYNAMODB: Readonly<Record<string, Mapper>> = Object.fromEntries(
  ['GetItem', 'PutItem', 'CreateTable'].map((operation): [string, Mapper] => [
    operation,
    (input, scope) => [
      {
        action: `dynamodb:${operation}`,
        resource: `arn:aws:dynamodb:${scope.region}:${scope.account}:table/${text(input.TableName)}`,
      },
    ],
  ]),
);

/** The operations of each SDK client (by its class name) that steps may call. */
const CLIENTS: Readonly<Record<string, Readonly<Record<string, Mapper>>>> = {
  SageMakerClient: SAGEMAKER,
  SageMakerRuntimeClient: SAGEMAKER_RUNTIME,
  S3Client: S3,
  EventBridgeClient: EVENTBRIDGE,
  ApplicationAutoScalingClient: APPLICATION_AUTO_SCALING,
  SFNClient: STEP_FUNCTIONS,
  CloudWatchClient: CLOUDWATCH,
  ServiceQuotasClient: SERVICE_QUOTAS,
  DynamoDBClient: DYNAMODB,
};

/** What IAM checks for `operation` of `client` with `input`; UnmappedOperationError when the table lacks it. */
export function requiredPermissions(
  client: string,
  operation: string,
  input: Input,
  scope: CallScope,
): AuthorizationRequest[] {
  const mapper = CLIENTS[client]?.[operation];
  if (mapper === undefined) throw new UnmappedOperationError(client, operation);
  return mapper(input, scope);
}
