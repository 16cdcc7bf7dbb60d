/**
 * The SageMaker calls the tasks make, behind one small interface: cores depend on the interface (faked in
 * tests), handlers pass `sageMakerGateway(client)`. This is the one place that knows SageMaker's error
 * shapes: "Could not find ..." becomes `undefined`, throttling becomes SageMakerThrottledError.
 */
import {
  AddTagsCommand,
  type AsyncInferenceConfig,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  type DataCaptureConfig,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandOutput,
  DescribeModelCommand,
  type DescribeModelCommandOutput,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  type ProductionVariant,
  type SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { SageMakerThrottledError } from '../../contracts/errors.ts';

/** A tag map, as the contract and our outputs use them. */
export type Tags = Record<string, string>;

/** The container part of a model, in SageMaker's own member names. */
export interface ContainerSpec {
  Image?: string;
  ModelDataUrl?: string;
  /** Model files under a prefix or in one object, compressed or not (PackageModel's uncompressed format). */
  ModelDataSource?: {
    S3DataSource: { S3Uri: string; S3DataType: 'S3Prefix' | 'S3Object'; CompressionType: 'None' | 'Gzip' };
  };
  Environment?: Record<string, string>;
  ModelPackageName?: string;
  /** `MultiModel`: the container serves every model under the ModelDataUrl prefix. @default SingleModel */
  Mode?: 'SingleModel' | 'MultiModel';
  MultiModelConfig?: { ModelCacheSetting: 'Enabled' | 'Disabled' };
  /** The container's name in a multi-container model (how a Direct endpoint is invoked, how errors name it). */
  ContainerHostname?: string;
}

/** How a multi-container model runs its containers: in order (Serial), or each on its own (Direct). */
export type InferenceExecutionMode = 'Serial' | 'Direct';

/** What CreateModel creates: one container (PrimaryContainer), or several (Containers) with their mode. */
export interface ModelSpec {
  ModelName: string;
  PrimaryContainer?: ContainerSpec;
  Containers?: ContainerSpec[];
  InferenceExecutionConfig?: { Mode: InferenceExecutionMode };
  ExecutionRoleArn: string;
}

/** What CreateEndpointConfig creates. */
export interface EndpointConfigSpec {
  EndpointConfigName: string;
  ProductionVariants: ProductionVariant[];
  /** Asynchronous inference: the endpoint then takes InvokeEndpointAsync only. */
  AsyncInferenceConfig?: AsyncInferenceConfig;
  DataCaptureConfig?: DataCaptureConfig;
}

/** A model as DescribeModel reports it. */
export interface ModelDescription extends ModelSpec {
  ModelArn: string;
}

/** An endpoint config as DescribeEndpointConfig reports it. */
export interface EndpointConfigDescription extends EndpointConfigSpec {
  EndpointConfigArn: string;
}

/** The parts of DescribeEndpoint the workflows read. */
export interface EndpointDescription {
  name: string;
  arn: string;
  status: string;
  configName?: string;
  pendingConfigName?: string;
  failureReason?: string;
  createdAt?: Date;
}

/** A resource listed by name, newest first. */
export interface ListedResource {
  name: string;
  arn: string;
  createdAt: Date;
}

/** Every SageMaker call a task makes. */
export interface SageMakerGateway {
  describeModel(name: string): Promise<ModelDescription | undefined>;
  createModel(spec: ModelSpec, tags: Tags): Promise<string>;
  deleteModel(name: string): Promise<boolean>;
  listModels(nameContains: string): Promise<ListedResource[]>;
  describeEndpointConfig(name: string): Promise<EndpointConfigDescription | undefined>;
  createEndpointConfig(spec: EndpointConfigSpec, tags: Tags): Promise<string>;
  deleteEndpointConfig(name: string): Promise<boolean>;
  listEndpointConfigs(nameContains: string): Promise<ListedResource[]>;
  describeEndpoint(name: string): Promise<EndpointDescription | undefined>;
  createEndpoint(
    name: string,
    configName: string,
    deploymentConfig: DeploymentConfig | undefined,
    tags: Tags,
  ): Promise<string>;
  updateEndpoint(name: string, configName: string, deploymentConfig: DeploymentConfig | undefined): Promise<string>;
  deleteEndpoint(name: string): Promise<boolean>;
  addTags(arn: string, tags: Tags): Promise<void>;
  listTags(arn: string): Promise<Tags>;
}

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** Whether SageMaker answered that the named resource does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : '';
  return (name === 'ValidationException' && message.startsWith('Could not find')) || name === 'ResourceNotFound';
}

/** Runs one SageMaker call, turning throttling (after the SDK's own retries) into SageMakerThrottledError. */
export async function callSageMaker<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = errorName(error);
    if (name !== undefined && THROTTLING_ERRORS.has(name)) {
      throw new SageMakerThrottledError(`SageMaker throttled ${operation}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function orUndefinedIfMissing<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await callSageMaker(operation, call);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function toTagList(tags: Tags) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

type DefinedOnly<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined members, so optional fields are absent rather than undefined. */
export function definedOnly<T extends object>(value: T): DefinedOnly<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as DefinedOnly<T>;
}

/** A List* request for resources whose names contain `nameContains`, newest first. */
function listRequest(nameContains: string) {
  return { NameContains: nameContains, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100 } as const;
}

type ListPage = {
  items: { name?: string | undefined; arn?: string | undefined; createdAt?: Date | undefined }[];
  next?: string | undefined;
};

/** Follows NextToken through every page of a List* operation. */
async function listAll(operation: string, page: (token: string | undefined) => Promise<ListPage>) {
  const listed: ListedResource[] = [];
  let token: string | undefined;
  do {
    const out = await callSageMaker(operation, () => page(token));
    for (const item of out.items) {
      if (item.name && item.arn)
        listed.push({ name: item.name, arn: item.arn, createdAt: item.createdAt ?? new Date(0) });
    }
    token = out.next;
  } while (token);
  return listed;
}

/** What the workflows read of a DescribeModel answer. */
export function modelDescription(out: DescribeModelCommandOutput): ModelDescription | undefined {
  if (!out.ModelName || !out.ModelArn) return undefined;
  const described = (container: NonNullable<typeof out.PrimaryContainer>): ContainerSpec =>
    definedOnly({
      Image: container.Image,
      ModelDataUrl: container.ModelDataUrl,
      // Only the members we set: SageMaker may describe more (access configs) that we never compare.
      ModelDataSource: container.ModelDataSource?.S3DataSource
        ? {
            S3DataSource: {
              S3Uri: container.ModelDataSource.S3DataSource.S3Uri ?? '',
              S3DataType: container.ModelDataSource.S3DataSource.S3DataType ?? 'S3Prefix',
              CompressionType: container.ModelDataSource.S3DataSource.CompressionType ?? 'None',
            },
          }
        : undefined,
      Environment: container.Environment,
      ModelPackageName: container.ModelPackageName,
      Mode: container.Mode,
      MultiModelConfig: container.MultiModelConfig
        ? { ModelCacheSetting: container.MultiModelConfig.ModelCacheSetting ?? 'Enabled' }
        : undefined,
      ContainerHostname: container.ContainerHostname,
    });
  return {
    ModelName: out.ModelName,
    ModelArn: out.ModelArn,
    ExecutionRoleArn: out.ExecutionRoleArn ?? '',
    ...(out.PrimaryContainer ? { PrimaryContainer: described(out.PrimaryContainer) } : {}),
    ...(out.Containers ? { Containers: out.Containers.map(described) } : {}),
    ...(out.InferenceExecutionConfig?.Mode
      ? { InferenceExecutionConfig: { Mode: out.InferenceExecutionConfig.Mode } }
      : {}),
  };
}

/** What the workflows read of a DescribeEndpointConfig answer. */
export function endpointConfigDescription(
  out: DescribeEndpointConfigCommandOutput,
): EndpointConfigDescription | undefined {
  if (!out.EndpointConfigName || !out.EndpointConfigArn) return undefined;
  return {
    EndpointConfigName: out.EndpointConfigName,
    EndpointConfigArn: out.EndpointConfigArn,
    ProductionVariants: out.ProductionVariants ?? [],
    ...(out.AsyncInferenceConfig ? { AsyncInferenceConfig: out.AsyncInferenceConfig } : {}),
    ...(out.DataCaptureConfig !== undefined ? { DataCaptureConfig: out.DataCaptureConfig } : {}),
  };
}

/** What the workflows read of a DescribeEndpoint answer. */
export function endpointDescription(out: DescribeEndpointCommandOutput): EndpointDescription | undefined {
  if (!out.EndpointName || !out.EndpointArn) return undefined;
  return definedOnly({
    name: out.EndpointName,
    arn: out.EndpointArn,
    status: out.EndpointStatus ?? 'Unknown',
    configName: out.EndpointConfigName,
    pendingConfigName: out.PendingDeploymentSummary?.EndpointConfigName,
    failureReason: out.FailureReason,
    createdAt: out.CreationTime,
  });
}

/** The SageMakerGateway backed by the AWS SDK client. */
export function sageMakerGateway(client: SageMakerClient): SageMakerGateway {
  return {
    async describeModel(name) {
      const out = await orUndefinedIfMissing('DescribeModel', () =>
        client.send(new DescribeModelCommand({ ModelName: name })),
      );
      return out === undefined ? undefined : modelDescription(out);
    },
    async createModel(spec, tags) {
      const out = await callSageMaker('CreateModel', () =>
        client.send(new CreateModelCommand({ ...spec, Tags: toTagList(tags) })),
      );
      return out.ModelArn ?? '';
    },
    async deleteModel(name) {
      const out = await orUndefinedIfMissing('DeleteModel', () =>
        client.send(new DeleteModelCommand({ ModelName: name })),
      );
      return out !== undefined;
    },
    listModels(nameContains) {
      return listAll('ListModels', async (NextToken) => {
        const out = await client.send(
          new ListModelsCommand({ ...listRequest(nameContains), ...(NextToken ? { NextToken } : {}) }),
        );
        const items = (out.Models ?? []).map((m) => ({
          name: m.ModelName,
          arn: m.ModelArn,
          createdAt: m.CreationTime,
        }));
        return { items, next: out.NextToken };
      });
    },
    async describeEndpointConfig(name) {
      const out = await orUndefinedIfMissing('DescribeEndpointConfig', () =>
        client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })),
      );
      return out === undefined ? undefined : endpointConfigDescription(out);
    },
    async createEndpointConfig(spec, tags) {
      const out = await callSageMaker('CreateEndpointConfig', () =>
        client.send(new CreateEndpointConfigCommand({ ...spec, Tags: toTagList(tags) })),
      );
      return out.EndpointConfigArn ?? '';
    },
    async deleteEndpointConfig(name) {
      const out = await orUndefinedIfMissing('DeleteEndpointConfig', () =>
        client.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name })),
      );
      return out !== undefined;
    },
    listEndpointConfigs(nameContains) {
      return listAll('ListEndpointConfigs', async (NextToken) => {
        const out = await client.send(
          new ListEndpointConfigsCommand({ ...listRequest(nameContains), ...(NextToken ? { NextToken } : {}) }),
        );
        const items = (out.EndpointConfigs ?? []).map((c) => ({
          name: c.EndpointConfigName,
          arn: c.EndpointConfigArn,
          createdAt: c.CreationTime,
        }));
        return { items, next: out.NextToken };
      });
    },
    async describeEndpoint(name) {
      const out = await orUndefinedIfMissing('DescribeEndpoint', () =>
        client.send(new DescribeEndpointCommand({ EndpointName: name })),
      );
      return out === undefined ? undefined : endpointDescription(out);
    },
    async createEndpoint(name, configName, deploymentConfig, tags) {
      const out = await callSageMaker('CreateEndpoint', () =>
        client.send(
          new CreateEndpointCommand({
            EndpointName: name,
            EndpointConfigName: configName,
            Tags: toTagList(tags),
            ...(deploymentConfig ? { DeploymentConfig: deploymentConfig } : {}),
          }),
        ),
      );
      return out.EndpointArn ?? '';
    },
    async updateEndpoint(name, configName, deploymentConfig) {
      const out = await callSageMaker('UpdateEndpoint', () =>
        client.send(
          new UpdateEndpointCommand({
            EndpointName: name,
            EndpointConfigName: configName,
            ...(deploymentConfig ? { DeploymentConfig: deploymentConfig } : {}),
          }),
        ),
      );
      return out.EndpointArn ?? '';
    },
    async deleteEndpoint(name) {
      const out = await orUndefinedIfMissing('DeleteEndpoint', () =>
        client.send(new DeleteEndpointCommand({ EndpointName: name })),
      );
      return out !== undefined;
    },
    async addTags(arn, tags) {
      await callSageMaker('AddTags', () =>
        client.send(new AddTagsCommand({ ResourceArn: arn, Tags: toTagList(tags) })),
      );
    },
    async listTags(arn) {
      const tags: Tags = {};
      let token: string | undefined;
      do {
        const out = await callSageMaker('ListTags', () =>
          client.send(
            new ListTagsCommand({ ResourceArn: arn, MaxResults: 100, ...(token ? { NextToken: token } : {}) }),
          ),
        );
        for (const t of out.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
        token = out.NextToken;
      } while (token);
      return tags;
    },
  };
}
