/**
 * CreateEndpoint, DescribeEndpoint, UpdateEndpoint, DeleteEndpoint and ListEndpoints: what SageMaker accepts and
 * refuses; the endpoint lifecycle (lifecycle.ts) then runs the change.
 */
import type { AsyncInference } from '../async/async-inference.ts';
import type { EndpointScalingGuard } from '../autoscaling/api.ts';
import { dataCaptureSummary } from '../capture/data-capture.ts';
import { notEmulated, ServiceError, validationException } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { checkServerlessUpdate } from '../serverless/serverless-rules.ts';
import { listResources } from '../store/listing.ts';
import { requireConfig, requireEndpoint } from '../store/lookups.ts';
import {
  type EndpointConfigRecord,
  type EndpointRecord,
  isAsyncEndpoint,
  resourceArn,
  type SageMakerStore,
  type Tag,
} from '../store/store.ts';
import { type ComponentHosting, hostsComponents } from './component-hosting.ts';
import type { EndpointLifecycle, HostedFleet } from './lifecycle.ts';

type Input = Record<string, unknown>;

const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/** Service quotas the emulator enforces (ResourceLimitExceeded). */
export interface SageMakerLimits {
  /** Instances of one instance type across all endpoints of a region. @default DEFAULT_INSTANCES_PER_TYPE */
  instancesPerType?: number;
}

/** `<type> for endpoint usage` when the emulator is given no limit (what Service Quotas answers too). */
export const DEFAULT_INSTANCES_PER_TYPE = 20;

/** What the endpoint operations work with. */
interface EndpointOperationsDeps {
  store: SageMakerStore;
  lifecycle: EndpointLifecycle<HostedFleet>;
  limits: SageMakerLimits;
  /** Application Auto Scaling's registrations, which UpdateEndpoint and DeleteEndpoint respect. */
  autoScaling?: EndpointScalingGuard | undefined;
  asyncInference?: AsyncInference | undefined;
  /** The inference components hosted on endpoints, which DeleteEndpoint respects. */
  components?: ComponentHosting | undefined;
}

/** The endpoint operations of the control plane. */
export function endpointOperations(deps: EndpointOperationsDeps): Operations {
  return {
    CreateEndpoint: (r, i) => createEndpoint(deps, r, i),
    DescribeEndpoint: async (r, i) => describeEndpoint(deps.store, r, String(i.EndpointName)),
    UpdateEndpoint: (r, i) => updateEndpoint(deps, r, i),
    DeleteEndpoint: (r, i) => deleteEndpoint(deps, r, i),
    ListEndpoints: async (r, i) => ({ Endpoints: [], ...listEndpoints(deps.store, r, i) }),
  };
}

function checkInstanceQuota(
  deps: EndpointOperationsDeps,
  region: string,
  config: EndpointConfigRecord,
  ignore?: EndpointRecord,
): void {
  const limit = deps.limits.instancesPerType ?? DEFAULT_INSTANCES_PER_TYPE;
  const usage = new Map<string, number>();
  for (const endpoint of deps.store.endpoints.list(region)) {
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
    delta.set(variant.InstanceType, (delta.get(variant.InstanceType) ?? 0) + Number(variant.InitialInstanceCount ?? 1));
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

/**
 * Refuses a deployment configuration the emulator would store without acting on: AutoRollbackConfiguration rolls a
 * deployment back when a CloudWatch alarm fires, and the emulator has no alarms to watch (as for inference components).
 */
function refuseAlarmRollback(deploymentConfig: Input | undefined): void {
  if (deploymentConfig?.AutoRollbackConfiguration !== undefined) {
    throw notEmulated(
      'DeploymentConfig.AutoRollbackConfiguration (rollback on CloudWatch alarms, which the emulator does not have) is',
    );
  }
}

async function createEndpoint(deps: EndpointOperationsDeps, region: string, input: Input): Promise<unknown> {
  const name = String(input.EndpointName);
  refuseAlarmRollback(input.DeploymentConfig as Input | undefined);
  const arn = resourceArn(region, 'endpoint', name);
  if (deps.store.endpoints.get(region, name)) {
    throw validationException(`Cannot create already existing endpoint "${arn}".`);
  }
  const config = requireConfig(deps.store, region, String(input.EndpointConfigName));
  const spec = deps.lifecycle.buildSpec(region, name, config);
  checkInstanceQuota(deps, region, config);
  const now = deps.store.nowSeconds();
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
  await deps.lifecycle.create(record);
  await deps.asyncInference?.testNotification(config.AsyncInferenceConfig as Input | undefined);
  return { EndpointArn: arn };
}

/** The endpoint, with the data capture of the config it serves (or is being created with), as it really runs. */
function describeEndpoint(store: SageMakerStore, region: string, name: string): Input {
  const endpoint = requireEndpoint(store, region, name);
  const capture = (endpoint.smwf.active ?? endpoint.smwf.pending)?.dataCapture;
  return capture ? { ...endpoint, DataCaptureConfig: dataCaptureSummary(capture) } : { ...endpoint };
}

async function updateEndpoint(deps: EndpointOperationsDeps, region: string, input: Input): Promise<unknown> {
  const name = String(input.EndpointName);
  const endpoint = requireEndpoint(deps.store, region, name);
  if (IN_PROGRESS.has(endpoint.EndpointStatus)) {
    throw validationException(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
  }
  // AWS documents that DeleteEndpoint is the only operation a Failed endpoint accepts (EndpointStatus in the
  // DescribeEndpoint reference); the wording is the one clients match on, the quoted ARN is by analogy.
  if (endpoint.EndpointStatus === 'Failed' || !endpoint.smwf.active) {
    throw validationException(`Cannot update failed endpoint "${endpoint.EndpointArn}".`);
  }
  const config = requireConfig(deps.store, region, String(input.EndpointConfigName));
  if (isAsyncEndpoint(endpoint) !== (config.AsyncInferenceConfig !== undefined)) {
    // AWS refuses removing it ("The AsyncInferenceConfig parameter cannot be removed from this endpoint ...",
    // aws/sagemaker-python-sdk#3124); adding it is refused alike. The rest of both sentences is ours.
    throw validationException(
      !isAsyncEndpoint(endpoint)
        ? `The AsyncInferenceConfig parameter cannot be added to this endpoint ${name}. To serve asynchronous inference, create a new endpoint.`
        : `The AsyncInferenceConfig parameter cannot be removed from this endpoint ${name}. To serve real-time inference, create a new endpoint.`,
    );
  }
  if (
    endpoint.smwf.active.variants.some(hostsComponents) ||
    config.ProductionVariants.some((v) => v.ModelName === undefined)
  ) {
    throw notEmulated(`UpdateEndpoint of an endpoint for inference components (${name}) is`);
  }
  checkServerlessUpdate(endpoint.EndpointName, endpoint.smwf.active.variants, config.ProductionVariants);
  const spec = deps.lifecycle.buildSpec(region, endpoint.EndpointName, config);
  checkInstanceQuota(deps, region, config, endpoint);
  deps.autoScaling?.checkUpdate(
    region,
    endpoint,
    deps.store.endpointConfigs.get(region, endpoint.EndpointConfigName),
    config,
  );
  const deploymentConfig = input.RetainDeploymentConfig
    ? endpoint.LastDeploymentConfig
    : (input.DeploymentConfig as Input | undefined);
  refuseAlarmRollback(deploymentConfig);
  if (deploymentConfig) endpoint.LastDeploymentConfig = deploymentConfig;
  else delete endpoint.LastDeploymentConfig;
  endpoint.EndpointStatus = 'Updating';
  endpoint.smwf.pending = spec;
  if (deploymentConfig) endpoint.smwf.pendingDeploymentConfig = deploymentConfig;
  else delete endpoint.smwf.pendingDeploymentConfig;
  endpoint.PendingDeploymentSummary = deps.lifecycle.pendingSummary(spec);
  delete endpoint.FailureReason;
  await deps.lifecycle.update(endpoint);
  await deps.asyncInference?.testNotification(config.AsyncInferenceConfig as Input | undefined);
  return { EndpointArn: endpoint.EndpointArn };
}

async function deleteEndpoint(deps: EndpointOperationsDeps, region: string, input: Input): Promise<unknown> {
  const endpoint = requireEndpoint(deps.store, region, String(input.EndpointName));
  // SageMaker refuses to delete an endpoint that is Creating, Updating or already Deleting, and says so with
  // UpdateEndpoint's message: AWS's own SageMaker operator for Kubernetes matches DeleteEndpoint's in-progress
  // error by "Cannot update in-progress endpoint" (aws/amazon-sagemaker-operator-for-k8s,
  // controllers/sdkutil/clientwrapper/sagemaker_client.go, DeleteEndpointInProgressMessagePrefix).
  if (IN_PROGRESS.has(endpoint.EndpointStatus)) {
    throw validationException(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
  }
  const components = deps.store.inferenceComponents
    .list(region)
    .filter((c) => c.EndpointName.toLowerCase() === endpoint.EndpointName.toLowerCase());
  if (components.length > 0) {
    // DG realtime-endpoints-delete-resources: inference components are deleted first (the console does it for you);
    // the API's refusal and its wording are ours.
    throw validationException(
      `Cannot delete endpoint "${endpoint.EndpointArn}" while it hosts inference components (${components.map((c) => c.InferenceComponentName).join(', ')}): delete them first (DeleteInferenceComponent).`,
    );
  }
  await deps.lifecycle.delete(endpoint);
  deps.components?.endpointDeleted(region, endpoint.EndpointName);
  await deps.autoScaling?.endpointDeleted(region, endpoint.EndpointName);
  return {};
}

function listEndpoints(store: SageMakerStore, region: string, input: Input): Input {
  let endpoints = store.endpoints.list(region);
  if (typeof input.StatusEquals === 'string')
    endpoints = endpoints.filter((e) => e.EndpointStatus === input.StatusEquals);
  if (typeof input.LastModifiedTimeAfter === 'number') {
    endpoints = endpoints.filter((e) => e.LastModifiedTime > (input.LastModifiedTimeAfter as number));
  }
  if (typeof input.LastModifiedTimeBefore === 'number') {
    endpoints = endpoints.filter((e) => e.LastModifiedTime < (input.LastModifiedTimeBefore as number));
  }
  return listResources(endpoints, 'EndpointName', input, 'Endpoints');
}
