import { type AsyncInference, checkAsyncInferenceConfig } from '../async/async-inference.ts';
import type { EndpointScalingGuard } from '../autoscaling/api.ts';
import { checkTransformLimits, checkTransformModel, type TransformJobs } from '../batch/transform-jobs.ts';
import { checkDataCaptureConfig, dataCaptureSummary } from '../capture/data-capture.ts';
import { ServiceError, validationException } from '../errors.ts';
import { checkServerlessUpdate, checkServerlessVariants } from '../serverless/serverless-rules.ts';
import { type ApiModel, loadModel, project, ShapeValidator } from '../shapes.ts';
import type { EndpointLifecycle } from './lifecycle.ts';
import { compareStrings, listPage, nextToken, pageOf, toSeconds } from './listing.ts';
import type { ModelRegistry } from './model-registry.ts';
import {
  type BaseRecord,
  type EndpointConfigRecord,
  type EndpointRecord,
  type ModelPackageGroupRecord,
  type ModelPackageRecord,
  type ModelRecord,
  modelPackageKey,
  nowSeconds,
  parseArn,
  resourceArn,
  type SageMakerStore,
  type Tag,
  type TransformJobRecord,
} from './store.ts';

type Input = Record<string, unknown>;

/** GPU (g, p), Inferentia and Trainium instance families: multi-model endpoints there run Triton only. */
const ACCELERATED_INSTANCE = /^ml\.(g\d|p\d|inf\d|trn\d)/;

const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/** Service quotas the emulator enforces (ResourceLimitExceeded). */
export interface SageMakerLimits {
  /** Instances of one instance type across all endpoints of a region. @default 20 */
  instancesPerType?: number;
}

/** The SageMaker control plane (awsJson1.1): models, endpoint configs, endpoints, transform jobs, the Model Registry, tags. */
export class SageMakerControlPlane {
  readonly model: ApiModel = loadModel('sagemaker.json');
  private readonly validator = new ShapeValidator(this.model, 'ValidationException');
  private readonly handlers: Record<string, (region: string, input: Input) => Promise<unknown>>;

  constructor(
    private readonly store: SageMakerStore,
    private readonly lifecycle: EndpointLifecycle,
    private readonly registry: ModelRegistry,
    private readonly limits: SageMakerLimits = {},
    private readonly transforms?: TransformJobs,
    /** Application Auto Scaling's registrations, which UpdateEndpoint and DeleteEndpoint respect. */
    private readonly autoScaling?: EndpointScalingGuard,
    private readonly asyncInference?: AsyncInference,
  ) {
    this.handlers = {
      CreateModel: (r, i) => this.createModel(r, i),
      DescribeModel: async (r, i) => this.requireModel(r, String(i.ModelName)),
      DeleteModel: (r, i) => this.deleteModel(r, i),
      ListModels: async (r, i) => ({ Models: [], ...this.list(this.store.models.list(r), 'ModelName', i, 'Models') }),
      CreateEndpointConfig: (r, i) => this.createEndpointConfig(r, i),
      DescribeEndpointConfig: async (r, i) => this.requireConfig(r, String(i.EndpointConfigName)),
      DeleteEndpointConfig: (r, i) => this.deleteEndpointConfig(r, i),
      ListEndpointConfigs: async (r, i) => ({
        EndpointConfigs: [],
        ...this.list(this.store.endpointConfigs.list(r), 'EndpointConfigName', i, 'EndpointConfigs'),
      }),
      CreateEndpoint: (r, i) => this.createEndpoint(r, i),
      DescribeEndpoint: async (r, i) => this.describeEndpoint(r, String(i.EndpointName)),
      UpdateEndpoint: (r, i) => this.updateEndpoint(r, i),
      DeleteEndpoint: (r, i) => this.deleteEndpoint(r, i),
      ListEndpoints: async (r, i) => ({ Endpoints: [], ...this.listEndpoints(r, i) }),
      AddTags: (r, i) => this.addTags(r, i),
      ListTags: async (r, i) => this.listTags(r, i),
      DeleteTags: (r, i) => this.deleteTags(r, i),
      CreateTransformJob: (r, i) => this.createTransformJob(r, i),
      DescribeTransformJob: async (r, i) => this.requireTransformJob(r, String(i.TransformJobName)),
      StopTransformJob: (r, i) => this.stopTransformJob(r, i),
      ListTransformJobs: async (r, i) => ({ TransformJobSummaries: [], ...this.listTransformJobs(r, i) }),
      ...registry.handlers(),
    };
  }

  /** True for operations of the SageMaker API model (implemented or not). */
  knows(operation: string): boolean {
    return operation in this.model.operations;
  }

  /** Validates the input against the model, runs the operation and projects the result onto the output shape. */
  async call(operation: string, region: string, input: Input): Promise<unknown> {
    const handler = this.handlers[operation];
    if (!handler) {
      throw new ServiceError(
        'UnknownOperationException',
        `The operation ${operation} is not supported by the smwf local emulator.`,
        400,
      );
    }
    this.validator.validate(operation, input);
    const result = await handler(region, input);
    const outputShape = this.model.operations[operation]?.output?.shape;
    return outputShape ? (project(this.model, outputShape, result) ?? {}) : {};
  }

  // --- models ---

  private requireModel(region: string, name: string): ModelRecord {
    const model = this.store.models.get(region, name);
    if (!model) throw validationException(`Could not find model "${resourceArn(region, 'model', name)}".`);
    return model;
  }

  private async createModel(region: string, input: Input): Promise<unknown> {
    const name = String(input.ModelName);
    const arn = resourceArn(region, 'model', name);
    if (this.store.models.get(region, name))
      throw validationException(`Cannot create already existing model "${arn}".`);
    const containers = (input.Containers as Input[] | undefined) ?? [];
    if (input.PrimaryContainer && containers.length > 0) {
      throw validationException('Cannot specify both PrimaryContainer and Containers.');
    }
    if (!input.PrimaryContainer && containers.length === 0) {
      throw validationException('Either PrimaryContainer or Containers must be specified.');
    }
    const definitions = input.PrimaryContainer ? [input.PrimaryContainer as Input] : containers;
    for (const container of definitions) {
      if (!container.Image && !container.ModelPackageName) {
        throw validationException('Image must be specified for each container unless ModelPackageName is given.');
      }
    }
    // Containers naming a model package run the package's containers; DescribeModel shows the request as given.
    const resolvedContainers = this.registry.resolveModelContainers(region, definitions);
    const running = resolvedContainers ?? definitions;
    this.checkMultiModel(running);
    this.checkContainerHostnames(input, running);
    const { Tags, ...rest } = input;
    const record: ModelRecord = {
      ...rest,
      ModelName: name,
      ModelArn: arn,
      CreationTime: nowSeconds(),
      ...(Tags ? { Tags: Tags as Tag[] } : {}),
      smwf: { region, ...(resolvedContainers ? { resolvedContainers } : {}) },
    };
    await this.store.models.put(name, record);
    return { ModelArn: arn };
  }

  /**
   * Multi-container models (DG multi-container-create, ContainerDefinition.ContainerHostname): Direct needs the
   * Containers parameter with more than one container, each with a ContainerHostname; in an inference pipeline
   * (Serial) a hostname on one container needs one on every container. Hostnames are unique. AWS documents the
   * rules, not the texts: the messages are ours.
   */
  private checkContainerHostnames(input: Input, containers: Input[]): void {
    const mode = (input.InferenceExecutionConfig as Input | undefined)?.Mode;
    if (mode === 'Direct' && (input.PrimaryContainer !== undefined || containers.length < 2)) {
      throw validationException(
        'InferenceExecutionConfig Mode Direct requires the Containers parameter with more than one container (a multi-container endpoint), not PrimaryContainer or a single container.',
      );
    }
    if (containers.length < 2) return;
    const hostnames = containers.map((c) => c.ContainerHostname).filter((h) => h !== undefined);
    if (new Set(hostnames).size !== hostnames.length) throw validationException('Container hostnames must be unique.');
    if (mode === 'Direct' && hostnames.length !== containers.length) {
      throw validationException('ContainerHostname must be specified for each container in Direct inference mode.');
    }
    if (hostnames.length > 0 && hostnames.length !== containers.length) {
      throw validationException(
        'ContainerHostname must be specified for every container of an inference pipeline, or for none: it is specified for some of them.',
      );
    }
  }

  /**
   * Multi-model containers: what AWS allows and the emulator hosts is one `Mode: MultiModel` container whose
   * `ModelDataUrl` is the S3 prefix; the rest is refused (AWS's rule with our wording, or "not supported").
   */
  private checkMultiModel(containers: Input[]): void {
    const notEmulated = (what: string) =>
      new ServiceError('UnknownOperationException', `${what} not supported by the smwf local emulator yet.`, 400);
    for (const container of containers) {
      if (container.Mode !== 'MultiModel') {
        if (container.MultiModelConfig !== undefined) {
          throw validationException('MultiModelConfig can only be specified for a container with Mode MultiModel.');
        }
        continue;
      }
      if (containers.length > 1) {
        throw notEmulated('A MultiModel container in a model with more than one container (an inference pipeline) is');
      }
      if (container.ModelDataSource !== undefined) {
        throw notEmulated(
          'ModelDataSource on a MultiModel container (use ModelDataUrl, the S3 prefix of the models) is',
        );
      }
      if (typeof container.ModelDataUrl !== 'string') {
        throw validationException(
          'ModelDataUrl must be specified for a container with Mode MultiModel: the S3 prefix of its models.',
        );
      }
    }
  }

  private async deleteModel(region: string, input: Input): Promise<unknown> {
    const name = String(input.ModelName);
    this.requireModel(region, name);
    await this.store.models.delete(region, name);
    return {};
  }

  // --- endpoint configs ---

  private requireConfig(region: string, name: string): EndpointConfigRecord {
    const config = this.store.endpointConfigs.get(region, name);
    if (!config) {
      throw validationException(
        `Could not find endpoint configuration "${resourceArn(region, 'endpoint-config', name)}".`,
      );
    }
    return config;
  }

  private async createEndpointConfig(region: string, input: Input): Promise<unknown> {
    const name = String(input.EndpointConfigName);
    const arn = resourceArn(region, 'endpoint-config', name);
    if (this.store.endpointConfigs.get(region, name)) {
      throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    const variants = input.ProductionVariants as Input[];
    const names = new Set<string>();
    for (const variant of variants) {
      const variantName = String(variant.VariantName);
      if (names.has(variantName.toLowerCase())) {
        throw validationException(`Variant name "${variantName}" is not unique within the endpoint configuration.`);
      }
      names.add(variantName.toLowerCase());
      if (variant.ServerlessConfig && (variant.InstanceType || variant.InitialInstanceCount !== undefined)) {
        throw validationException(
          `Production variant ${variantName} cannot specify both ServerlessConfig and InstanceType/InitialInstanceCount.`,
        );
      }
      if (!variant.ServerlessConfig && (!variant.InstanceType || variant.InitialInstanceCount === undefined)) {
        throw validationException(
          `Production variant ${variantName} must specify InstanceType and InitialInstanceCount, or ServerlessConfig.`,
        );
      }
      if (variant.ModelName === undefined) {
        throw validationException(`ModelName must be specified for production variant ${variantName}.`);
      }
      const model = this.requireModel(region, String(variant.ModelName));
      const multiModel = [model.PrimaryContainer, ...((model.Containers as Input[] | undefined) ?? [])].some(
        (c) => (c as Input | undefined)?.Mode === 'MultiModel',
      );
      if (multiModel && typeof variant.InstanceType === 'string' && ACCELERATED_INSTANCE.test(variant.InstanceType)) {
        throw new ServiceError(
          'UnknownOperationException',
          `Multi-model endpoints on GPU or accelerator instances (production variant ${variantName}, ${variant.InstanceType}: Triton-based) are not supported by the smwf local emulator yet.`,
          400,
        );
      }
    }
    if (input.AsyncInferenceConfig !== undefined) {
      checkAsyncInferenceConfig(input.AsyncInferenceConfig as Input);
    }
    checkServerlessVariants(input, (variant) => this.requireModel(region, String(variant.ModelName)));
    checkDataCaptureConfig(input.DataCaptureConfig as Input | undefined);
    const { Tags, ...rest } = input;
    const record: EndpointConfigRecord = {
      ...rest,
      EndpointConfigName: name,
      EndpointConfigArn: arn,
      ProductionVariants: variants,
      CreationTime: nowSeconds(),
      ...(Tags ? { Tags: Tags as Tag[] } : {}),
      smwf: { region },
    };
    await this.store.endpointConfigs.put(name, record);
    return { EndpointConfigArn: arn };
  }

  private async deleteEndpointConfig(region: string, input: Input): Promise<unknown> {
    const name = String(input.EndpointConfigName);
    this.requireConfig(region, name);
    await this.store.endpointConfigs.delete(region, name);
    return {};
  }

  // --- endpoints ---

  private requireEndpoint(region: string, name: string): EndpointRecord {
    const endpoint = this.store.endpoints.get(region, name);
    if (!endpoint) throw validationException(`Could not find endpoint "${resourceArn(region, 'endpoint', name)}".`);
    return endpoint;
  }

  private checkInstanceQuota(region: string, config: EndpointConfigRecord, ignore?: EndpointRecord): void {
    const limit = this.limits.instancesPerType ?? 20;
    const usage = new Map<string, number>();
    for (const endpoint of this.store.endpoints.list(region)) {
      if (endpoint === ignore || endpoint.EndpointStatus === 'Failed') continue;
      for (const spec of [endpoint.smwf.active, endpoint.smwf.pending]) {
        for (const variant of spec?.variants ?? []) {
          if (!variant.instanceType) continue;
          usage.set(variant.instanceType, (usage.get(variant.instanceType) ?? 0) + variant.instanceCount);
        }
      }
    }
    const delta = new Map<string, number>();
    for (const variant of config.ProductionVariants) {
      if (typeof variant.InstanceType !== 'string') continue;
      delta.set(
        variant.InstanceType,
        (delta.get(variant.InstanceType) ?? 0) + Number(variant.InitialInstanceCount ?? 1),
      );
    }
    for (const [type, requested] of delta) {
      const current = usage.get(type) ?? 0;
      if (current + requested > limit) {
        throw new ServiceError(
          'ResourceLimitExceeded',
          `The account-level service limit '${type} for endpoint usage' is ${limit} Instances, with current utilization of ${current} Instances and a request delta of ${requested} Instances. Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota.`,
        );
      }
    }
  }

  private async createEndpoint(region: string, input: Input): Promise<unknown> {
    const name = String(input.EndpointName);
    const arn = resourceArn(region, 'endpoint', name);
    if (this.store.endpoints.get(region, name))
      throw validationException(`Cannot create already existing endpoint "${arn}".`);
    const config = this.requireConfig(region, String(input.EndpointConfigName));
    const spec = this.lifecycle.buildSpec(region, name, config);
    this.checkInstanceQuota(region, config);
    const now = nowSeconds();
    const record: EndpointRecord = {
      EndpointName: name,
      EndpointArn: arn,
      EndpointConfigName: config.EndpointConfigName,
      EndpointStatus: 'Creating',
      CreationTime: now,
      LastModifiedTime: now,
      ...(config.AsyncInferenceConfig ? { AsyncInferenceConfig: config.AsyncInferenceConfig } : {}),
      ...(input.DeploymentConfig ? { LastDeploymentConfig: input.DeploymentConfig as Input } : {}),
      ...(input.Tags ? { Tags: input.Tags as Tag[] } : {}),
      smwf: { region, pending: spec },
    };
    await this.lifecycle.create(record);
    await this.asyncInference?.testNotification(config.AsyncInferenceConfig as Input | undefined);
    return { EndpointArn: arn };
  }

  /** The endpoint, with the data capture of the config it serves (or is being created with), as it really runs. */
  private describeEndpoint(region: string, name: string): Input {
    const endpoint = this.requireEndpoint(region, name);
    const capture = (endpoint.smwf.active ?? endpoint.smwf.pending)?.dataCapture;
    return capture ? { ...endpoint, DataCaptureConfig: dataCaptureSummary(capture) } : { ...endpoint };
  }

  private async updateEndpoint(region: string, input: Input): Promise<unknown> {
    const name = String(input.EndpointName);
    const endpoint = this.requireEndpoint(region, name);
    if (IN_PROGRESS.has(endpoint.EndpointStatus)) {
      throw validationException(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
    }
    // AWS documents that DeleteEndpoint is the only operation a Failed endpoint accepts (EndpointStatus in the
    // DescribeEndpoint reference); the wording is the one clients match on, the quoted ARN is by analogy.
    if (endpoint.EndpointStatus === 'Failed' || !endpoint.smwf.active) {
      throw validationException(`Cannot update failed endpoint "${endpoint.EndpointArn}".`);
    }
    const config = this.requireConfig(region, String(input.EndpointConfigName));
    if ((endpoint.AsyncInferenceConfig === undefined) !== (config.AsyncInferenceConfig === undefined)) {
      // AWS refuses removing it ("The AsyncInferenceConfig parameter cannot be removed from this endpoint ...",
      // aws/sagemaker-python-sdk#3124); adding it is refused alike. The rest of both sentences is ours.
      throw validationException(
        endpoint.AsyncInferenceConfig === undefined
          ? `The AsyncInferenceConfig parameter cannot be added to this endpoint ${name}. To serve asynchronous inference, create a new endpoint.`
          : `The AsyncInferenceConfig parameter cannot be removed from this endpoint ${name}. To serve real-time inference, create a new endpoint.`,
      );
    }
    checkServerlessUpdate(endpoint.EndpointName, endpoint.smwf.active.variants, config.ProductionVariants);
    const spec = this.lifecycle.buildSpec(region, endpoint.EndpointName, config);
    this.checkInstanceQuota(region, config, endpoint);
    this.autoScaling?.checkUpdate(
      region,
      endpoint,
      this.store.endpointConfigs.get(region, endpoint.EndpointConfigName),
      config,
    );
    const deploymentConfig = input.RetainDeploymentConfig
      ? endpoint.LastDeploymentConfig
      : (input.DeploymentConfig as Input | undefined);
    if (deploymentConfig) endpoint.LastDeploymentConfig = deploymentConfig;
    else delete endpoint.LastDeploymentConfig;
    endpoint.EndpointStatus = 'Updating';
    endpoint.smwf.pending = spec;
    if (deploymentConfig) endpoint.smwf.pendingDeploymentConfig = deploymentConfig;
    else delete endpoint.smwf.pendingDeploymentConfig;
    endpoint.PendingDeploymentSummary = this.lifecycle.pendingSummary(spec);
    delete endpoint.FailureReason;
    await this.lifecycle.update(endpoint);
    await this.asyncInference?.testNotification(config.AsyncInferenceConfig as Input | undefined);
    return { EndpointArn: endpoint.EndpointArn };
  }

  private async deleteEndpoint(region: string, input: Input): Promise<unknown> {
    const endpoint = this.requireEndpoint(region, String(input.EndpointName));
    // SageMaker refuses to delete an endpoint that is Creating, Updating or already Deleting, and says so with
    // UpdateEndpoint's message: AWS's own SageMaker operator for Kubernetes matches DeleteEndpoint's in-progress
    // error by "Cannot update in-progress endpoint" (aws/amazon-sagemaker-operator-for-k8s,
    // controllers/sdkutil/clientwrapper/sagemaker_client.go, DeleteEndpointInProgressMessagePrefix).
    if (IN_PROGRESS.has(endpoint.EndpointStatus)) {
      throw validationException(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
    }
    await this.lifecycle.delete(endpoint);
    await this.autoScaling?.endpointDeleted(region, endpoint.EndpointName);
    return {};
  }

  private listEndpoints(region: string, input: Input): Input {
    let endpoints = this.store.endpoints.list(region);
    if (typeof input.StatusEquals === 'string')
      endpoints = endpoints.filter((e) => e.EndpointStatus === input.StatusEquals);
    if (typeof input.LastModifiedTimeAfter === 'number') {
      endpoints = endpoints.filter((e) => e.LastModifiedTime > (input.LastModifiedTimeAfter as number));
    }
    if (typeof input.LastModifiedTimeBefore === 'number') {
      endpoints = endpoints.filter((e) => e.LastModifiedTime < (input.LastModifiedTimeBefore as number));
    }
    return this.list(endpoints, 'EndpointName', input, 'Endpoints');
  }

  /** The List operations of models, configs, endpoints and jobs: newest first unless SortOrder says otherwise. */
  private list<T extends BaseRecord>(records: T[], nameMember: string, input: Input, listMember: string): Input {
    return listPage(records, input, {
      nameMember,
      listMember,
      defaultSortOrder: 'Descending',
      defaultMaxResults: 10,
      sortByOther: (sortBy, a, b) =>
        sortBy === 'Status'
          ? compareStrings(
              String((a as unknown as Input).EndpointStatus),
              String((b as unknown as Input).EndpointStatus),
            )
          : 0,
    });
  }

  // --- transform jobs ---

  private requireTransformJob(region: string, name: string): TransformJobRecord {
    const job = this.store.transformJobs.get(region, name);
    if (!job) throw new ServiceError('ResourceNotFound', `Could not find job to update with name ${name}`);
    return job;
  }

  private async createTransformJob(region: string, input: Input): Promise<unknown> {
    if (!this.transforms) throw new ServiceError('UnknownOperationException', 'Transform jobs are not enabled.');
    const name = String(input.TransformJobName);
    const arn = resourceArn(region, 'transform-job', name);
    if (this.store.transformJobs.get(region, name)) {
      throw new ServiceError(
        'ResourceInUse',
        `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`,
      );
    }
    checkTransformModel(this.requireModel(region, String(input.ModelName)));
    checkTransformLimits(input);
    const source = ((input.TransformInput as Input).DataSource as Input).S3DataSource as Input | undefined;
    if (!source || source.S3DataType === 'ManifestFile' || (input.TransformInput as Input).SplitType === 'TFRecord') {
      throw new ServiceError(
        'UnknownOperationException',
        'Transform inputs other than S3Prefix/S3Object with SplitType None, Line or RecordIO are not supported by the smwf local emulator yet.',
        400,
      );
    }
    const now = nowSeconds();
    const record: TransformJobRecord = {
      ...input,
      TransformJobName: name,
      TransformJobArn: arn,
      TransformJobStatus: 'InProgress',
      ModelName: String(input.ModelName),
      CreationTime: now,
      TransformStartTime: now,
      LastModifiedTime: now,
      smwf: { region },
    };
    await this.transforms.start(record);
    return { TransformJobArn: arn };
  }

  private async stopTransformJob(region: string, input: Input): Promise<unknown> {
    const job = this.requireTransformJob(region, String(input.TransformJobName));
    await this.transforms?.stop(job);
    return {};
  }

  private listTransformJobs(region: string, input: Input): Input {
    let jobs = this.store.transformJobs.list(region);
    if (typeof input.StatusEquals === 'string') jobs = jobs.filter((j) => j.TransformJobStatus === input.StatusEquals);
    const after = toSeconds(input.LastModifiedTimeAfter);
    const before = toSeconds(input.LastModifiedTimeBefore);
    if (after !== undefined) jobs = jobs.filter((j) => j.LastModifiedTime > after);
    if (before !== undefined) jobs = jobs.filter((j) => j.LastModifiedTime < before);
    const listed = jobs.map((j) => ({ ...j, EndpointStatus: j.TransformJobStatus }));
    return this.list(listed, 'TransformJobName', input, 'TransformJobSummaries');
  }

  // --- tags ---

  private recordByArn(arn: string): BaseRecord {
    const parsed = parseArn(arn);
    if (parsed?.kind === 'model-package') return this.registry.requirePackage(parsed.region, arn);
    if (parsed?.kind === 'model-package-group') return this.registry.requireGroup(parsed.region, arn);
    const record =
      parsed?.kind === 'model'
        ? this.store.models.get(parsed.region, parsed.name)
        : parsed?.kind === 'endpoint-config'
          ? this.store.endpointConfigs.get(parsed.region, parsed.name)
          : parsed?.kind === 'endpoint'
            ? this.store.endpoints.get(parsed.region, parsed.name)
            : undefined;
    if (!record) {
      const label = parsed?.kind === 'endpoint-config' ? 'endpoint configuration' : (parsed?.kind ?? 'resource');
      throw validationException(`Could not find ${label} "${arn}".`);
    }
    return record;
  }

  private async saveRecord(record: BaseRecord): Promise<void> {
    const input = record as unknown as Input;
    if (typeof input.EndpointArn === 'string')
      await this.store.endpoints.put(String(input.EndpointName), record as EndpointRecord);
    else if (typeof input.EndpointConfigArn === 'string') {
      await this.store.endpointConfigs.put(String(input.EndpointConfigName), record as EndpointConfigRecord);
    } else if (typeof input.ModelPackageArn === 'string') {
      const pkg = record as ModelPackageRecord;
      await this.store.modelPackages.put(modelPackageKey(pkg.ModelPackageGroupName, pkg.ModelPackageVersion), pkg);
    } else if (typeof input.ModelPackageGroupArn === 'string') {
      await this.store.modelPackageGroups.put(String(input.ModelPackageGroupName), record as ModelPackageGroupRecord);
    } else await this.store.models.put(String(input.ModelName), record as ModelRecord);
  }

  private async addTags(_region: string, input: Input): Promise<unknown> {
    const record = this.recordByArn(String(input.ResourceArn));
    const tags = [...(record.Tags ?? [])];
    for (const tag of input.Tags as Tag[]) {
      const existing = tags.findIndex((t) => t.Key === tag.Key);
      if (existing >= 0) tags[existing] = tag;
      else tags.push(tag);
    }
    if (tags.length > 50) {
      throw new ServiceError('ResourceLimitExceeded', 'Resource can have at most 50 tags.');
    }
    record.Tags = tags;
    await this.saveRecord(record);
    return { Tags: input.Tags };
  }

  private listTags(_region: string, input: Input): Input {
    const record = this.recordByArn(String(input.ResourceArn));
    const tags = record.Tags ?? [];
    const { offset, maxResults } = pageOf(input, 50);
    const out: Input = { Tags: tags.slice(offset, offset + maxResults) };
    if (offset + maxResults < tags.length) out.NextToken = nextToken(offset + maxResults);
    return out;
  }

  private async deleteTags(_region: string, input: Input): Promise<unknown> {
    const record = this.recordByArn(String(input.ResourceArn));
    const keys = new Set(input.TagKeys as string[]);
    record.Tags = (record.Tags ?? []).filter((t) => !keys.has(t.Key));
    await this.saveRecord(record);
    return {};
  }
}
