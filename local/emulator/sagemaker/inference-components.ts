/**
 * CreateInferenceComponent, DescribeInferenceComponent, ListInferenceComponents, UpdateInferenceComponent,
 * UpdateInferenceComponentRuntimeConfig and DeleteInferenceComponent: what SageMaker accepts and refuses (sources in
 * local/emulator/README.md, "Inference components"); ComponentHosting then runs the change. Also the rules of an
 * endpoint config for inference components (no model, an execution role, instances), which CreateEndpointConfig
 * applies.
 */
import type { EndpointScalingGuard } from '../autoscaling/api.ts';
import { notEmulated, validationException } from '../errors.ts';
import type { ModelDataSpec } from '../hosting/artifacts.ts';
import type { CopySpec } from '../hosting/component-copies.ts';
import { imageDigest, imageRepository } from '../hosting/images.ts';
import { containerDeploySpecs, modelContainerDefinitions } from '../hosting/model-containers.ts';
import type { Operations } from '../operations.ts';
import { compareStrings, listPage } from '../store/listing.ts';
import { requireConfig, requireEndpoint, requireInferenceComponent, requireModel } from '../store/lookups.ts';
import {
  type EndpointRecord,
  type InferenceComponentRecord,
  resourceArn,
  type SageMakerStore,
  type Tag,
} from '../store/store.ts';
import { type ComponentHosting, hostsComponents } from './component-hosting.ts';

type Input = Record<string, unknown>;

/** Statuses in which a component is changing: another change is refused until it settles. */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'Deleting']);

/** What the inference component operations work with. */
interface ComponentOperationsDeps {
  store: SageMakerStore;
  hosting: ComponentHosting;
  /** Startup window when the specification sets no ContainerStartupHealthCheckTimeoutInSeconds. */
  defaultStartupTimeoutSeconds: number;
  /** Application Auto Scaling's registrations, which a deleted component leaves. */
  autoScaling?: EndpointScalingGuard | undefined;
}

/** The inference component operations of the control plane. */
export function inferenceComponentOperations(deps: ComponentOperationsDeps): Operations {
  return {
    CreateInferenceComponent: (r, i) => createComponent(deps, r, i),
    DescribeInferenceComponent: async (r, i) => describeComponent(requireComponent(deps, r, i)),
    ListInferenceComponents: async (r, i) => listComponents(deps.store, r, i),
    UpdateInferenceComponent: (r, i) => updateComponent(deps, r, i),
    UpdateInferenceComponentRuntimeConfig: (r, i) => updateRuntimeConfig(deps, r, i),
    DeleteInferenceComponent: (r, i) => deleteComponent(deps, r, i),
  };
}

function requireComponent(deps: ComponentOperationsDeps, region: string, input: Input): InferenceComponentRecord {
  return requireInferenceComponent(deps.store, region, String(input.InferenceComponentName));
}

// --- endpoint configs for inference components ---

/**
 * The rules of an endpoint config whose variants name no model: an endpoint for inference components (SageMaker
 * tells one by that, and needs the config's ExecutionRoleArn to run their copies). Instances only, one variant (the
 * emulator's limit), ManagedInstanceScaling within its bounds; ManagedInstanceScaling on a config of models is AWS's
 * refusal. The wording is ours except where README says AWS's.
 */
export function checkComponentEndpointConfig(input: Input): void {
  const variants = input.ProductionVariants as Input[];
  const modelless = variants.filter((v) => v.ModelName === undefined);
  if (modelless.length === 0) {
    for (const variant of variants) {
      if (variant.ManagedInstanceScaling !== undefined) {
        // AWS's text (hashicorp/terraform-provider-aws#45926).
        throw validationException('ManagedInstanceScaling is only supported for inference component endpoints.');
      }
    }
    return;
  }
  if (modelless.length < variants.length) {
    throw validationException(
      'Either every production variant or none must specify ModelName: an endpoint for inference components has variants without models.',
    );
  }
  if (input.ExecutionRoleArn === undefined) {
    throw validationException(
      'ExecutionRoleArn must be specified for an endpoint configuration whose production variants specify no ModelName (an endpoint for inference components).',
    );
  }
  if (variants.length > 1) {
    throw notEmulated('Endpoints for inference components with more than one production variant are');
  }
  for (const member of ['AsyncInferenceConfig', 'DataCaptureConfig', 'ShadowProductionVariants', 'ExplainerConfig']) {
    if (input[member] !== undefined) throw notEmulated(`${member} on an endpoint for inference components is`);
  }
  const variant = variants[0] as Input;
  const name = String(variant.VariantName);
  if (variant.ServerlessConfig !== undefined || typeof variant.InstanceType !== 'string') {
    throw validationException(
      `Production variant ${name} specifies no ModelName, so it hosts inference components, which run on instances: specify InstanceType and InitialInstanceCount, not ServerlessConfig.`,
    );
  }
  const scaling = variant.ManagedInstanceScaling as
    | { Status?: string; MinInstanceCount?: number; MaxInstanceCount?: number; ScaleInPolicy?: unknown }
    | undefined;
  if (scaling !== undefined) {
    if (scaling.ScaleInPolicy !== undefined) throw notEmulated('ManagedInstanceScaling ScaleInPolicy is');
    if (scaling.Status === 'ENABLED') {
      const count = typeof variant.InitialInstanceCount === 'number' ? variant.InitialInstanceCount : 1;
      const min = scaling.MinInstanceCount;
      const max = scaling.MaxInstanceCount;
      if (min === undefined || max === undefined) {
        throw validationException(
          `Production variant ${name}: MinInstanceCount and MaxInstanceCount must be specified when ManagedInstanceScaling is ENABLED.`,
        );
      }
      if (min > max || count < min || count > max) {
        throw validationException(
          `Production variant ${name}: ManagedInstanceScaling needs MinInstanceCount (${min}) <= InitialInstanceCount (${count}) <= MaxInstanceCount (${max}).`,
        );
      }
    }
  }
}

// --- create ---

/** What a copy of `specification` runs: its container (or its model's), environment, data, role and requirements. */
function copySpecOf(
  deps: ComponentOperationsDeps,
  region: string,
  endpoint: EndpointRecord,
  name: string,
  specification: Input,
  version: number,
): CopySpec {
  for (const member of ['BaseInferenceComponentName', 'DataCacheConfig', 'InstanceType']) {
    if (specification[member] !== undefined) {
      throw notEmulated(`Inference component Specification.${member} (${describeNotEmulated(member)}) is`);
    }
  }
  const scheduling = specification.SchedulingConfig as Input | undefined;
  if (scheduling?.AvailabilityZoneBalance !== undefined) {
    throw notEmulated('SchedulingConfig.AvailabilityZoneBalance (the emulator has no Availability Zones) is');
  }
  const modelName = specification.ModelName as string | undefined;
  const container = specification.Container as Input | undefined;
  if ((modelName === undefined) === (container === undefined)) {
    throw validationException(
      'Exactly one of ModelName or Container must be specified in the inference component Specification.',
    );
  }
  const requirements = specification.ComputeResourceRequirements as
    | {
        NumberOfCpuCoresRequired?: number;
        NumberOfAcceleratorDevicesRequired?: number;
        MinMemoryRequiredInMb: number;
        MaxMemoryRequiredInMb?: number;
      }
    | undefined;
  if (requirements === undefined) {
    throw validationException(
      'ComputeResourceRequirements must be specified in the inference component Specification.',
    );
  }
  if (
    requirements.MaxMemoryRequiredInMb !== undefined &&
    requirements.MaxMemoryRequiredInMb < requirements.MinMemoryRequiredInMb
  ) {
    throw validationException('MaxMemoryRequiredInMb must be greater than or equal to MinMemoryRequiredInMb.');
  }
  const capacity = deps.hosting.capacityOf(endpoint);
  const resources = deps.hosting.instanceResources(capacity.instanceType);
  const accelerators = requirements.NumberOfAcceleratorDevicesRequired ?? 0;
  if (accelerators > 0 && resources.accelerators === 0) {
    throw validationException(
      `Inference component ${name} requires ${accelerators} accelerator devices, but endpoint ${endpoint.EndpointName} runs on ${capacity.instanceType}, an instance type without accelerators.`,
    );
  }
  const copyRequirements = {
    cpus: requirements.NumberOfCpuCoresRequired ?? 0,
    memoryMiB: requirements.MinMemoryRequiredInMb,
    accelerators,
  };
  const startup = specification.StartupParameters as
    | { ContainerStartupHealthCheckTimeoutInSeconds?: number }
    | undefined;
  const base = {
    region,
    endpointName: endpoint.EndpointName,
    componentName: name,
    version,
    startupTimeoutSeconds: startup?.ContainerStartupHealthCheckTimeoutInSeconds ?? deps.defaultStartupTimeoutSeconds,
    requirements: copyRequirements,
  };
  if (modelName !== undefined) {
    const model = requireModel(deps.store, region, modelName);
    const definitions = modelContainerDefinitions(model);
    const [spec] = containerDeploySpecs(model);
    if (definitions.length !== 1 || spec === undefined || spec.mode === 'MultiModel') {
      throw notEmulated(
        `Inference components of model ${modelName}, a model of several containers or a multi-model container, are`,
      );
    }
    return {
      ...base,
      modelName,
      image: spec.image,
      environment: spec.environment,
      ...(spec.modelData ? { modelData: spec.modelData } : {}),
      ...(spec.executionRoleArn ? { executionRoleArn: spec.executionRoleArn } : {}),
    };
  }
  const config = requireConfig(deps.store, region, endpoint.EndpointConfigName);
  const role = typeof config.ExecutionRoleArn === 'string' ? config.ExecutionRoleArn : undefined;
  const artifact = (container as Input).ArtifactUrl as string | undefined;
  if (artifact !== undefined && !artifact.startsWith('s3://')) {
    throw notEmulated('An inference component ArtifactUrl other than s3:// is');
  }
  if ((container as Input).Image === undefined) {
    throw validationException('Image must be specified in the inference component Specification.Container.');
  }
  const modelData: ModelDataSpec | undefined =
    artifact === undefined
      ? undefined
      : { s3Uri: artifact, dataType: 'S3Object', compression: 'Gzip', ...(role ? { readAs: role } : {}) };
  return {
    ...base,
    image: String((container as Input).Image),
    environment: ((container as Input).Environment as Record<string, string> | undefined) ?? {},
    ...(modelData ? { modelData } : {}),
    ...(role ? { executionRoleArn: role } : {}),
  };
}

function describeNotEmulated(member: string): string {
  switch (member) {
    case 'BaseInferenceComponentName':
      return 'adapter components';
    case 'DataCacheConfig':
      return 'caching model data on instances';
    default:
      return 'components of an endpoint of several instance types';
  }
}

/** The Specification as DescribeInferenceComponent shows it: a container's image resolved, as for endpoints. */
function describedSpecification(specification: Input, resolvedAt: number): Input {
  const container = specification.Container as Input | undefined;
  if (!container) return specification;
  const image = String(container.Image);
  return {
    ...specification,
    Container: {
      ...(container.ArtifactUrl !== undefined ? { ArtifactUrl: container.ArtifactUrl } : {}),
      ...(container.Environment !== undefined ? { Environment: container.Environment } : {}),
      DeployedImage: {
        SpecifiedImage: image,
        ResolvedImage: `${imageRepository(image)}@${imageDigest(image)}`,
        ResolutionTime: resolvedAt,
      },
    },
  };
}

/** The endpoint a new component goes on: it must host inference components and serve (InService). */
function requireComponentEndpoint(deps: ComponentOperationsDeps, region: string, name: string): EndpointRecord {
  const endpoint = requireEndpoint(deps.store, region, name);
  const serving = endpoint.smwf.active ?? endpoint.smwf.pending;
  if (serving && !serving.variants.every(hostsComponents)) {
    // AWS's text (hashicorp/terraform-provider-aws#40644, pulumi/pulumi-aws#4940).
    throw validationException(
      'Invalid request provided: Inference Components are not supported in this Endpoint. Please make sure this endpoint can deploy inference components.',
    );
  }
  if (endpoint.EndpointStatus !== 'InService' || !endpoint.smwf.active) {
    throw validationException(
      `Cannot create an inference component on endpoint "${endpoint.EndpointArn}" while it is ${endpoint.EndpointStatus}: the endpoint must be InService.`,
    );
  }
  return endpoint;
}

async function createComponent(deps: ComponentOperationsDeps, region: string, input: Input): Promise<unknown> {
  const name = String(input.InferenceComponentName);
  const arn = resourceArn(region, 'inference-component', name);
  if (deps.store.inferenceComponents.get(region, name)) {
    throw validationException(`Cannot create already existing inference component "${arn}".`);
  }
  if (input.Specifications !== undefined) {
    throw notEmulated('Inference components of several specifications (Specifications, per instance type) are');
  }
  if (input.Specification === undefined) {
    throw validationException('Specification must be specified to create an inference component.');
  }
  const endpoint = requireComponentEndpoint(deps, region, String(input.EndpointName));
  const variant = endpoint.smwf.active?.variants[0];
  const variantName = (input.VariantName as string | undefined) ?? variant?.variantName ?? '';
  if (variant === undefined || variant.variantName !== variantName) {
    throw validationException(`The variant ${variantName} does not exist on endpoint ${endpoint.EndpointName}.`);
  }
  const copyCount = (input.RuntimeConfig as { CopyCount?: number } | undefined)?.CopyCount ?? 1;
  if (copyCount < 1) {
    // AWS's text, as users quote it (stdapi-ai/stdapi.ai#43): a component starts with a copy at least.
    throw validationException('Inference components copy count an integer larger than 0');
  }
  const specification = input.Specification as Input;
  const spec = copySpecOf(deps, region, endpoint, name, specification, 1);
  const now = deps.store.nowSeconds();
  const record: InferenceComponentRecord = {
    InferenceComponentName: name,
    InferenceComponentArn: arn,
    EndpointName: endpoint.EndpointName,
    EndpointArn: endpoint.EndpointArn,
    VariantName: variantName,
    InferenceComponentStatus: 'Creating',
    CreationTime: now,
    LastModifiedTime: now,
    Specification: describedSpecification(specification, now),
    RuntimeConfig: { DesiredCopyCount: copyCount, CurrentCopyCount: 0 },
    ...(input.Tags ? { Tags: input.Tags as Tag[] } : {}),
    smwf: {
      region,
      lastVersion: 1,
      pending: { spec, specification: describedSpecification(specification, now), copyCount },
    },
  };
  await deps.hosting.create(record);
  return { InferenceComponentArn: arn };
}

function describeComponent(record: InferenceComponentRecord): Input {
  return { ...record };
}

function listComponents(store: SageMakerStore, region: string, input: Input): Input {
  let items = store.inferenceComponents.list(region);
  const equals = (member: string, value: unknown) => (r: InferenceComponentRecord) =>
    value === undefined || String(r[member]).toLowerCase() === String(value).toLowerCase();
  items = items
    .filter(equals('EndpointName', input.EndpointNameEquals))
    .filter(equals('VariantName', input.VariantNameEquals))
    .filter((r) => input.StatusEquals === undefined || r.InferenceComponentStatus === input.StatusEquals);
  if (typeof input.LastModifiedTimeAfter === 'number') {
    items = items.filter((r) => r.LastModifiedTime > (input.LastModifiedTimeAfter as number));
  }
  if (typeof input.LastModifiedTimeBefore === 'number') {
    items = items.filter((r) => r.LastModifiedTime < (input.LastModifiedTimeBefore as number));
  }
  return listPage(items, input, {
    nameMember: 'InferenceComponentName',
    listMember: 'InferenceComponents',
    defaultSortOrder: 'Descending',
    defaultMaxResults: 10,
    createdAtAfterIncluded: false,
    sortByOther: (sortBy, a, b) =>
      sortBy === 'Status' ? compareStrings(a.InferenceComponentStatus, b.InferenceComponentStatus) : 0,
  });
}

/** A component that can change now: not Creating, Updating or Deleting, and not Failed. */
function requireChangeable(record: InferenceComponentRecord): void {
  if (IN_PROGRESS.has(record.InferenceComponentStatus)) {
    throw validationException(`Cannot update in-progress inference component "${record.InferenceComponentArn}".`);
  }
  if (record.InferenceComponentStatus === 'Failed' || !record.smwf.active) {
    throw validationException(`Cannot update failed inference component "${record.InferenceComponentArn}".`);
  }
}

async function updateComponent(deps: ComponentOperationsDeps, region: string, input: Input): Promise<unknown> {
  const record = requireComponent(deps, region, input);
  requireChangeable(record);
  if (input.Specifications !== undefined) {
    throw notEmulated('Inference components of several specifications (Specifications, per instance type) are');
  }
  const endpoint = requireEndpoint(deps.store, region, record.EndpointName);
  const active = record.smwf.active as NonNullable<typeof record.smwf.active>;
  const copyCount = (input.RuntimeConfig as { CopyCount?: number } | undefined)?.CopyCount;
  const specification = input.Specification as Input | undefined;
  if (specification === undefined && copyCount === undefined) {
    throw validationException('Specify a Specification or a RuntimeConfig to update an inference component.');
  }
  const version = specification === undefined ? active.version : record.smwf.lastVersion + 1;
  const spec =
    specification === undefined
      ? active
      : copySpecOf(deps, region, endpoint, record.InferenceComponentName, specification, version);
  const now = deps.store.nowSeconds();
  const deploymentConfig = input.DeploymentConfig as Input | undefined;
  if (deploymentConfig?.AutoRollbackConfiguration !== undefined) {
    // The emulator has no CloudWatch alarms to watch during a rollout.
    throw notEmulated('DeploymentConfig.AutoRollbackConfiguration (rollback on CloudWatch alarms) is');
  }
  if (deploymentConfig) record.LastDeploymentConfig = deploymentConfig;
  record.smwf.lastVersion = version;
  record.smwf.pending = {
    spec,
    specification: specification === undefined ? record.Specification : describedSpecification(specification, now),
    copyCount: copyCount ?? record.RuntimeConfig.DesiredCopyCount,
    ...(deploymentConfig ? { deploymentConfig } : {}),
  };
  record.InferenceComponentStatus = 'Updating';
  record.LastModifiedTime = now;
  delete record.FailureReason;
  await deps.hosting.update(record);
  return { InferenceComponentArn: record.InferenceComponentArn };
}

async function updateRuntimeConfig(deps: ComponentOperationsDeps, region: string, input: Input): Promise<unknown> {
  const record = requireComponent(deps, region, input);
  requireChangeable(record);
  const copyCount = (input.DesiredRuntimeConfig as { CopyCount: number }).CopyCount;
  record.smwf.pending = {
    spec: record.smwf.active as NonNullable<typeof record.smwf.active>,
    specification: record.Specification,
    copyCount,
  };
  record.InferenceComponentStatus = 'Updating';
  record.LastModifiedTime = deps.store.nowSeconds();
  delete record.FailureReason;
  await deps.hosting.update(record);
  return { InferenceComponentArn: record.InferenceComponentArn };
}

async function deleteComponent(deps: ComponentOperationsDeps, region: string, input: Input): Promise<unknown> {
  const record = requireComponent(deps, region, input);
  if (record.InferenceComponentStatus === 'Deleting') {
    throw validationException(`Cannot update in-progress inference component "${record.InferenceComponentArn}".`);
  }
  await deps.hosting.delete(record);
  await deps.autoScaling?.componentDeleted(region, record.InferenceComponentName);
  return {};
}
