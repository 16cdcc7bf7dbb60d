/**
 * Shared test doubles for the task cores: a small in-memory SageMaker behind the SageMakerGateway interface,
 * and builders for valid execution inputs and state documents.
 */
import type { DeploymentConfig } from '@aws-sdk/client-sagemaker';
import type {
  EndpointConfigDescription,
  EndpointConfigSpec,
  EndpointDescription,
  ListedResource,
  ModelDescription,
  ModelSpec,
  SageMakerGateway,
  Tags,
} from '../../tasks/_shared/sagemaker.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';
import {
  DeployEndpointInput,
  type DeployEndpointInputDocument,
  type DeploymentState,
} from '../../workflows/deploy-endpoint/contract.ts';

const ARN_PREFIX = 'arn:aws:sagemaker:us-east-1:123456789012';
export const EXECUTION_ROLE_ARN = 'arn:aws:iam::123456789012:role/SageMakerExecution';

export const modelArn = (name: string) => `${ARN_PREFIX}:model/${name.toLowerCase()}`;
export const endpointConfigArn = (name: string) => `${ARN_PREFIX}:endpoint-config/${name.toLowerCase()}`;
export const endpointArn = (name: string) => `${ARN_PREFIX}:endpoint/${name.toLowerCase()}`;

interface Stored<T> {
  description: T;
  createdAt: Date;
}

/** An endpoint as the fake stores it. */
export interface FakeEndpoint extends EndpointDescription {
  deploymentConfig?: DeploymentConfig | undefined;
}

type Method = keyof SageMakerGateway;

/**
 * An in-memory SageMaker control plane: models, endpoint configs, endpoints and tags by ARN. It records every
 * call (`calls`), and `failNext` makes one call on one resource throw, as SageMaker would.
 */
export class FakeSageMaker implements SageMakerGateway {
  readonly models = new Map<string, Stored<ModelDescription>>();
  readonly configs = new Map<string, Stored<EndpointConfigDescription>>();
  readonly endpoints = new Map<string, FakeEndpoint>();
  readonly tags = new Map<string, Tags>();
  /** Every call, as `method name`, in order. */
  readonly calls: string[] = [];
  private readonly failures = new Map<string, Error>();
  private tick = 0;

  /** Makes the next `method` call on `name` (a resource name or ARN) throw `error`. */
  failNext(method: Method, name: string, error: Error): void {
    this.failures.set(`${method} ${name}`, error);
  }

  /** Calls of one method, by the resource they named. */
  callsOf(method: Method): string[] {
    return this.calls.filter((c) => c.startsWith(`${method} `)).map((c) => c.slice(method.length + 1));
  }

  private record(method: Method, name: string): void {
    this.calls.push(`${method} ${name}`);
    const key = `${method} ${name}`;
    const failure = this.failures.get(key);
    if (failure !== undefined) {
      this.failures.delete(key);
      throw failure;
    }
  }

  private nextCreatedAt(): Date {
    this.tick += 1;
    return new Date(Date.UTC(2025, 0, 1, 0, this.tick));
  }

  /** Adds a model as if an earlier deployment (or someone else) had created it. */
  seedModel(name: string, options: { tags?: Tags; createdAt?: Date; container?: ModelSpec['PrimaryContainer'] } = {}) {
    const arn = modelArn(name);
    this.models.set(name, {
      description: {
        ModelName: name,
        ModelArn: arn,
        ExecutionRoleArn: EXECUTION_ROLE_ARN,
        PrimaryContainer: options.container ?? { Image: 'image:old', Environment: {} },
      },
      createdAt: options.createdAt ?? this.nextCreatedAt(),
    });
    this.tags.set(arn, options.tags ?? {});
  }

  /** Adds an endpoint config using `modelNames` (one variant each). */
  seedConfig(name: string, modelNames: string[], options: { tags?: Tags; createdAt?: Date } = {}) {
    const arn = endpointConfigArn(name);
    this.configs.set(name, {
      description: {
        EndpointConfigName: name,
        EndpointConfigArn: arn,
        ProductionVariants: modelNames.map((ModelName, i) => ({
          VariantName: `Variant${i}`,
          ModelName,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        })),
      },
      createdAt: options.createdAt ?? this.nextCreatedAt(),
    });
    this.tags.set(arn, options.tags ?? {});
  }

  /** Sets an endpoint's described state directly. */
  putEndpoint(endpoint: Omit<FakeEndpoint, 'arn'> & { arn?: string }): void {
    this.endpoints.set(endpoint.name, { ...endpoint, arn: endpoint.arn ?? endpointArn(endpoint.name) });
    if (!this.tags.has(endpointArn(endpoint.name))) this.tags.set(endpointArn(endpoint.name), {});
  }

  /**
   * Finishes a create or update as SageMaker does: InService on the pending (or current) config; or, given a
   * `failureReason`, a create ends Failed and an update rolls back silently (InService on the old config).
   */
  settle(name: string, failureReason?: string): void {
    const endpoint = this.endpoints.get(name);
    if (endpoint === undefined) throw new Error(`no endpoint ${name}`);
    const { pendingConfigName, failureReason: _, ...rest } = endpoint;
    if (failureReason !== undefined) {
      const status = endpoint.status === 'Creating' ? 'Failed' : 'InService';
      this.endpoints.set(name, { ...rest, status, failureReason });
      return;
    }
    const configName = pendingConfigName ?? endpoint.configName;
    this.endpoints.set(name, { ...rest, status: 'InService', ...(configName !== undefined ? { configName } : {}) });
  }

  async describeModel(name: string) {
    this.record('describeModel', name);
    return structuredClone(this.models.get(name)?.description);
  }

  async createModel(spec: ModelSpec, tags: Tags) {
    this.record('createModel', spec.ModelName);
    if (this.models.has(spec.ModelName))
      throw validationError(`Cannot create already existing model "${modelArn(spec.ModelName)}".`);
    const arn = modelArn(spec.ModelName);
    this.models.set(spec.ModelName, {
      description: { ...structuredClone(spec), ModelArn: arn },
      createdAt: this.nextCreatedAt(),
    });
    this.tags.set(arn, { ...tags });
    return arn;
  }

  async deleteModel(name: string) {
    this.record('deleteModel', name);
    const found = this.models.get(name);
    if (found === undefined) return false;
    this.models.delete(name);
    this.tags.delete(found.description.ModelArn);
    return true;
  }

  async listModels(nameContains: string) {
    this.record('listModels', nameContains);
    return listed(this.models, nameContains, (m) => ({ name: m.ModelName, arn: m.ModelArn }));
  }

  async describeEndpointConfig(name: string) {
    this.record('describeEndpointConfig', name);
    return structuredClone(this.configs.get(name)?.description);
  }

  async createEndpointConfig(spec: EndpointConfigSpec, tags: Tags) {
    this.record('createEndpointConfig', spec.EndpointConfigName);
    if (this.configs.has(spec.EndpointConfigName)) {
      throw validationError(
        `Cannot create already existing endpoint configuration "${endpointConfigArn(spec.EndpointConfigName)}".`,
      );
    }
    for (const variant of spec.ProductionVariants) {
      const modelName = variant.ModelName ?? '';
      if (!this.models.has(modelName)) throw validationError(`Could not find model "${modelArn(modelName)}".`);
    }
    const arn = endpointConfigArn(spec.EndpointConfigName);
    this.configs.set(spec.EndpointConfigName, {
      description: { ...structuredClone(spec), EndpointConfigArn: arn },
      createdAt: this.nextCreatedAt(),
    });
    this.tags.set(arn, { ...tags });
    return arn;
  }

  async deleteEndpointConfig(name: string) {
    this.record('deleteEndpointConfig', name);
    const found = this.configs.get(name);
    if (found === undefined) return false;
    this.configs.delete(name);
    this.tags.delete(found.description.EndpointConfigArn);
    return true;
  }

  async listEndpointConfigs(nameContains: string) {
    this.record('listEndpointConfigs', nameContains);
    return listed(this.configs, nameContains, (c) => ({ name: c.EndpointConfigName, arn: c.EndpointConfigArn }));
  }

  async describeEndpoint(name: string) {
    this.record('describeEndpoint', name);
    const endpoint = this.endpoints.get(name);
    if (endpoint === undefined) return undefined;
    const { deploymentConfig: _, ...description } = endpoint;
    return structuredClone(description);
  }

  async createEndpoint(name: string, configName: string, deploymentConfig: DeploymentConfig | undefined, tags: Tags) {
    this.record('createEndpoint', name);
    if (this.endpoints.has(name))
      throw validationError(`Cannot create already existing endpoint "${endpointArn(name)}".`);
    if (!this.configs.has(configName)) {
      throw validationError(`Could not find endpoint configuration "${endpointConfigArn(configName)}".`);
    }
    const arn = endpointArn(name);
    this.endpoints.set(name, { name, arn, status: 'Creating', configName, deploymentConfig });
    this.tags.set(arn, { ...tags });
    return arn;
  }

  async updateEndpoint(name: string, configName: string, deploymentConfig: DeploymentConfig | undefined) {
    this.record('updateEndpoint', name);
    const endpoint = this.endpoints.get(name);
    if (endpoint === undefined) throw validationError(`Could not find endpoint "${endpointArn(name)}".`);
    if (IN_PROGRESS.has(endpoint.status))
      throw validationError(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    if (endpoint.status === 'Failed') throw validationError(`Cannot update failed endpoint "${endpoint.arn}".`);
    if (!this.configs.has(configName)) {
      throw validationError(`Could not find endpoint configuration "${endpointConfigArn(configName)}".`);
    }
    const { failureReason: _, ...rest } = endpoint;
    this.endpoints.set(name, { ...rest, status: 'Updating', pendingConfigName: configName, deploymentConfig });
    return endpoint.arn;
  }

  async deleteEndpoint(name: string) {
    this.record('deleteEndpoint', name);
    const endpoint = this.endpoints.get(name);
    if (endpoint === undefined) return false;
    // SageMaker answers an in-progress delete with the same message as an in-progress update.
    if (IN_PROGRESS.has(endpoint.status))
      throw validationError(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    this.endpoints.delete(name);
    this.tags.delete(endpoint.arn);
    return true;
  }

  async addTags(arn: string, tags: Tags) {
    this.record('addTags', arn);
    this.tags.set(arn, { ...this.tagsOf(arn), ...tags });
  }

  async listTags(arn: string) {
    this.record('listTags', arn);
    return { ...this.tagsOf(arn) };
  }

  /** The tags of an existing resource; SageMaker answers an unknown ARN like a missing resource. */
  private tagsOf(arn: string): Tags {
    const tags = this.tags.get(arn);
    if (tags === undefined) {
      const kind = /:(model|endpoint-config|endpoint)\//.exec(arn)?.[1];
      const label = kind === 'endpoint-config' ? 'endpoint configuration' : (kind ?? 'resource');
      throw validationError(`Could not find ${label} "${arn}".`);
    }
    return tags;
  }
}

/** Statuses in which SageMaker refuses UpdateEndpoint and DeleteEndpoint. */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

function listed<T>(
  store: Map<string, Stored<T>>,
  nameContains: string,
  identify: (description: T) => { name: string; arn: string },
): ListedResource[] {
  return (
    [...store.values()]
      .map((stored) => ({ ...identify(stored.description), createdAt: stored.createdAt }))
      // NameContains matches regardless of case, as the emulator does.
      .filter((resource) => resource.name.toLowerCase().includes(nameContains.toLowerCase()))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
  );
}

/** An error shaped like the SDK's ValidationException. */
export function validationError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ValidationException' });
}

/** Ownership tags of a resource created for `endpointName`. */
export const ownedBy = (endpointName: string): Tags => ({ [TagKeys.endpoint]: endpointName });

/** A valid DeployEndpoint execution input, as a user writes it. */
export function validInput(overrides: Partial<DeployEndpointInputDocument> = {}): DeployEndpointInputDocument {
  return {
    endpointName: 'churn',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
      modelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
      environment: { LOG_LEVEL: 'info' },
    },
    modelVersion: '1.4.0',
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [{ body: '{"features":[1,2,3]}', expectedOutputContains: 'score' }] },
    ...overrides,
  };
}

export const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:deploy-churn-1',
  name: 'deploy-churn-1',
  startedAt: '2025-01-01T00:00:00.000Z',
};

/** A state document right after ValidateInput, plus whatever later steps added. */
export function deploymentState<
  Rest extends Partial<Omit<DeploymentState, 'request' | 'execution'>> = Record<never, never>,
>(input: DeployEndpointInputDocument = validInput(), rest: Rest = {} as Rest): DeploymentState & Rest {
  return { request: DeployEndpointInput.parse(input), execution: { ...EXECUTION }, ...rest };
}
