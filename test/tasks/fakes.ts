/**
 * Shared test doubles for the task cores: SageMaker behind the SageMakerGateway interface (the emulator's core in
 * process, with a few ways to force a state), and builders for valid execution inputs and state documents.
 */
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  type DeploymentConfig,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type DescribeModelCommandOutput,
} from '@aws-sdk/client-sagemaker';
import type { RecordedScalingTarget } from '../../contracts/parts/auto-scaling.ts';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import type { Tag } from '../../local/emulator/store/store.ts';
import type { AutoScalingGateway } from '../../tasks/_shared/auto-scaling.ts';
import {
  type EndpointConfigDescription,
  type EndpointConfigSpec,
  type EndpointDescription,
  endpointConfigDescription,
  endpointDescription,
  type ModelDescription,
  type ModelSpec,
  modelDescription,
  type SageMakerGateway,
  sageMakerGateway,
  type Tags,
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

/** An endpoint as the fake shows it: its description plus the deployment config it was last given. */
interface FakeEndpoint extends EndpointDescription {
  deploymentConfig?: DeploymentConfig | undefined;
}

type Method = keyof SageMakerGateway;

/** A live, read-mostly view of one kind of stored resource by name, as the tests read it. */
class ResourceView<R, V> {
  constructor(
    private readonly records: () => R[],
    private readonly nameOf: (record: R) => string,
    private readonly find: (name: string) => R | undefined,
    private readonly view: (record: R) => V,
    private readonly remove: (name: string) => void,
  ) {}

  get(name: string): V | undefined {
    const record = this.find(name);
    return record === undefined ? undefined : this.view(record);
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  keys(): string[] {
    return this.records().map(this.nameOf);
  }

  get size(): number {
    return this.records().length;
  }

  /** Removes the resource behind SageMaker's back (a state a test forces). */
  delete(name: string): boolean {
    const found = this.has(name);
    if (found) this.remove(name);
    return found;
  }

  /** Removes every resource of this kind behind SageMaker's back. */
  clear(): void {
    for (const name of this.keys()) this.remove(name);
  }
}

const toTagList = (tags: Tags): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * SageMaker for the task cores: the emulator's core in process (ScriptedSageMaker) behind the SageMakerGateway, on a
 * clock of its own that starts on 2025-01-01 and moves a minute per created resource. A create or update of an
 * endpoint stays Creating or Updating until the test settles it (`settle`); a deletion is over at once. It records
 * every call (`calls`), `failNext` makes one call on one resource throw, and `seed*` and `putEndpoint` force states
 * straight into the store.
 */
export class FakeSageMaker implements SageMakerGateway {
  /** The core underneath: its script, clock and store. */
  readonly scripted = new ScriptedSageMaker({
    startTime: Date.UTC(2025, 0, 1),
    callMs: 0,
    script: { provisioningSeconds: Number.POSITIVE_INFINITY, deletingSeconds: 0 },
  });
  /** Every call, as `method name`, in order. */
  readonly calls: string[] = [];
  private readonly gateway = sageMakerGateway(this.scripted.sageMakerClient());
  private readonly failures = new Map<string, Error>();
  private readonly store = this.scripted.store;

  readonly models = new ResourceView(
    () => this.store.models.list('us-east-1'),
    (m) => m.ModelName,
    (name) => this.scripted.model(name),
    (m): Stored<ModelDescription> => ({
      description: modelDescription(
        this.scripted.described('DescribeModel', m) as DescribeModelCommandOutput,
      ) as ModelDescription,
      createdAt: new Date(m.CreationTime * 1000),
    }),
    (name) => void this.store.models.delete('us-east-1', name),
  );

  readonly configs = new ResourceView(
    () => this.store.endpointConfigs.list('us-east-1'),
    (c) => c.EndpointConfigName,
    (name) => this.scripted.endpointConfig(name),
    (c): Stored<EndpointConfigDescription> => ({
      description: endpointConfigDescription(
        this.scripted.described('DescribeEndpointConfig', c) as DescribeEndpointConfigCommandOutput,
      ) as EndpointConfigDescription,
      createdAt: new Date(c.CreationTime * 1000),
    }),
    (name) => void this.store.endpointConfigs.delete('us-east-1', name),
  );

  readonly endpoints = new ResourceView(
    () => this.store.endpoints.list('us-east-1'),
    (e) => e.EndpointName,
    (name) => this.scripted.endpoint(name),
    (e): FakeEndpoint => ({
      ...(endpointDescription(
        this.scripted.described('DescribeEndpoint', e) as DescribeEndpointCommandOutput,
      ) as EndpointDescription),
      ...(e.LastDeploymentConfig ? { deploymentConfig: e.LastDeploymentConfig as DeploymentConfig } : {}),
    }),
    (name) => void this.store.endpoints.delete('us-east-1', name),
  );

  /** Tags by resource ARN; `set` replaces a resource's tags behind SageMaker's back. */
  readonly tags = {
    get: (arn: string): Tags | undefined => {
      const resource = this.scripted.resourceByArn(arn);
      return resource === undefined ? undefined : this.scripted.tagsOf(resource);
    },
    set: (arn: string, tags: Tags): void => {
      const resource = this.scripted.resourceByArn(arn);
      if (resource === undefined) throw new Error(`no resource ${arn} to tag`);
      resource.Tags = toTagList(tags);
    },
  };

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

  /** A minute passes before each resource is created, so creation times differ and sort. */
  private nextCreationTime(createdAt?: Date): number {
    this.scripted.clock.advance(60_000);
    return (createdAt?.getTime() ?? this.scripted.clock.now()) / 1000;
  }

  /** Adds a model as if an earlier deployment (or someone else) had created it. */
  seedModel(name: string, options: { tags?: Tags; createdAt?: Date; container?: ModelSpec['PrimaryContainer'] } = {}) {
    this.scripted.putModel({
      ModelName: name,
      ExecutionRoleArn: EXECUTION_ROLE_ARN,
      PrimaryContainer: options.container ?? { Image: 'image:old', Environment: {} },
      Tags: toTagList(options.tags ?? {}),
      CreationTime: this.nextCreationTime(options.createdAt),
    });
  }

  /** Adds an endpoint config using `modelNames` (one variant each, on ml.m5.large unless told); the models need not exist. */
  seedConfig(
    name: string,
    modelNames: string[],
    options: { tags?: Tags; createdAt?: Date; instanceType?: 'ml.m5.large' | 'ml.m5.xlarge' } = {},
  ) {
    this.scripted.putEndpointConfig({
      EndpointConfigName: name,
      ProductionVariants: modelNames.map((ModelName, i) => ({
        VariantName: `Variant${i}`,
        ModelName,
        InstanceType: options.instanceType ?? 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      })),
      Tags: toTagList(options.tags ?? {}),
      CreationTime: this.nextCreationTime(options.createdAt),
    });
  }

  /** Registers an Approved model package (the next version of `group`) through the Model Registry's API; its ARN. */
  async registerApprovedPackage(group: string): Promise<string> {
    const client = this.scripted.sageMakerClient();
    if (this.store.modelPackageGroups.get('us-east-1', group) === undefined) {
      await client.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
    }
    const { ModelPackageArn } = await client.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: 'Approved',
        InferenceSpecification: {
          Containers: [
            {
              Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0',
              ModelDataUrl: 's3://models-bucket/churn/1.4.0/model.tar.gz',
            },
          ],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
        },
      }),
    );
    return ModelPackageArn ?? '';
  }

  /** Forces an endpoint into a described state; it stays in it until a call changes it or the test settles it. */
  putEndpoint(endpoint: Omit<FakeEndpoint, 'arn'> & { arn?: string }): void {
    this.scripted.putEndpoint({
      EndpointName: endpoint.name,
      EndpointConfigName: endpoint.configName ?? '',
      EndpointStatus: endpoint.status,
      ...(endpoint.pendingConfigName !== undefined ? { PendingConfigName: endpoint.pendingConfigName } : {}),
      ...(endpoint.failureReason !== undefined ? { FailureReason: endpoint.failureReason } : {}),
      ...(endpoint.deploymentConfig !== undefined
        ? { LastDeploymentConfig: endpoint.deploymentConfig as Record<string, unknown> }
        : {}),
      settlesInSeconds: Number.POSITIVE_INFINITY,
    });
  }

  /**
   * Finishes a create or update as SageMaker does: InService on the pending (or current) config; or, given a
   * `failureReason`, a create ends Failed and an update rolls back silently (InService on the old config).
   */
  settle(name: string, failureReason?: string): Promise<void> {
    return this.scripted.settle(name, failureReason);
  }

  async describeModel(name: string) {
    this.record('describeModel', name);
    return this.gateway.describeModel(name);
  }

  async createModel(spec: ModelSpec, tags: Tags) {
    this.record('createModel', spec.ModelName);
    this.scripted.clock.advance(60_000);
    return this.gateway.createModel(spec, tags);
  }

  async deleteModel(name: string) {
    this.record('deleteModel', name);
    return this.gateway.deleteModel(name);
  }

  async listModels(nameContains: string) {
    this.record('listModels', nameContains);
    return this.gateway.listModels(nameContains);
  }

  async describeEndpointConfig(name: string) {
    this.record('describeEndpointConfig', name);
    return this.gateway.describeEndpointConfig(name);
  }

  async createEndpointConfig(spec: EndpointConfigSpec, tags: Tags) {
    this.record('createEndpointConfig', spec.EndpointConfigName);
    this.scripted.clock.advance(60_000);
    return this.gateway.createEndpointConfig(spec, tags);
  }

  async deleteEndpointConfig(name: string) {
    this.record('deleteEndpointConfig', name);
    return this.gateway.deleteEndpointConfig(name);
  }

  async listEndpointConfigs(nameContains: string) {
    this.record('listEndpointConfigs', nameContains);
    return this.gateway.listEndpointConfigs(nameContains);
  }

  async describeEndpoint(name: string) {
    this.record('describeEndpoint', name);
    return this.gateway.describeEndpoint(name);
  }

  async createEndpoint(name: string, configName: string, deploymentConfig: DeploymentConfig | undefined, tags: Tags) {
    this.record('createEndpoint', name);
    this.scripted.clock.advance(60_000);
    return this.gateway.createEndpoint(name, configName, deploymentConfig, tags);
  }

  async updateEndpoint(name: string, configName: string, deploymentConfig: DeploymentConfig | undefined) {
    this.record('updateEndpoint', name);
    return this.gateway.updateEndpoint(name, configName, deploymentConfig);
  }

  async deleteEndpoint(name: string) {
    this.record('deleteEndpoint', name);
    return this.gateway.deleteEndpoint(name);
  }

  async addTags(arn: string, tags: Tags) {
    this.record('addTags', arn);
    return this.gateway.addTags(arn, tags);
  }

  async listTags(arn: string) {
    this.record('listTags', arn);
    return this.gateway.listTags(arn);
  }
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

/** Application Auto Scaling in memory, for one endpoint; counts the calls that change it. */
export class FakeAutoScaling implements AutoScalingGateway {
  targets = new Map<string, RecordedScalingTarget>();
  changes = 0;

  async describeTargets() {
    return [...this.targets.values()].map((t) => structuredClone(t));
  }
  async register(_endpoint: string, target: RecordedScalingTarget) {
    this.changes += 1;
    const existing = this.targets.get(target.variantName);
    this.targets.set(target.variantName, { ...structuredClone(target), policies: existing?.policies ?? [] });
  }
  async deregister(_endpoint: string, variant: string) {
    this.changes += 1;
    return this.targets.delete(variant);
  }
  async putPolicy(_endpoint: string, variant: string, policy: RecordedScalingTarget['policies'][number]) {
    this.changes += 1;
    const target = this.targets.get(variant);
    if (!target) throw Object.assign(new Error('No scalable target registered'), { name: 'ObjectNotFoundException' });
    target.policies = [...target.policies.filter((p) => p.policyName !== policy.policyName), structuredClone(policy)];
  }
  async deletePolicy(_endpoint: string, variant: string, name: string) {
    this.changes += 1;
    const target = this.targets.get(variant);
    if (target) target.policies = target.policies.filter((p) => p.policyName !== name);
  }
}
