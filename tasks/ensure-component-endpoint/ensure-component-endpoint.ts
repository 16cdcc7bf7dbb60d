import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  DescribeEndpointConfigCommand,
  type ProductionVariantInstanceType,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { ExecutionFacts, WaitProgress } from '../../contracts/contract-parts.ts';
import { EndpointBusyError, EndpointFailedError, ResourceConflictError } from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';
import type { ComponentEndpointSpec } from '../../contracts/parts/inference-component.ts';
import { isAlreadyExisting } from '../_shared/create-or-reuse.ts';
import { resourceName } from '../_shared/names.ts';
import { callSageMaker, isNotFound, type SageMakerGateway, type Tags } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { ownershipTags } from '../_shared/tags.ts';
import { startWaiting, TRANSITIONAL_STATUSES } from '../_shared/wait-progress.ts';

/** The slice of the state document EnsureComponentEndpoint reads. */
export interface EnsureComponentEndpointState {
  request: { endpointName: string; endpoint: ComponentEndpointSpec; wait: WaitPolicy; tags: Tags };
  execution: ExecutionFacts;
}
export const EnsureComponentEndpointState = stateSlice<EnsureComponentEndpointState>({
  request: {
    endpointName: 'string',
    endpoint: {
      instanceType: 'string',
      initialInstanceCount: 'number',
      routingStrategy: 'string',
      managedInstanceScaling: optional('object'),
    },
    wait: 'object',
    tags: 'object',
  },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
});

/** What this run did about the endpoint: created it (with its config), or found one that hosts components. */
interface ComponentEndpointRecord {
  created: boolean;
  configName: string;
}

/** What EnsureComponentEndpoint needs from the outside. */
interface EnsureComponentEndpointDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint'>;
  client: SageMakerClient;
  executionRoleArn: string;
  now(): Date;
}

/** The endpoint config of an endpoint for inference components: instances and routing, the role, no model. */
function componentEndpointConfig(
  name: string,
  spec: ComponentEndpointSpec,
  executionRoleArn: string,
): CreateEndpointConfigCommandInput {
  const scaling = spec.managedInstanceScaling;
  return {
    EndpointConfigName: name,
    ExecutionRoleArn: executionRoleArn,
    ProductionVariants: [
      {
        VariantName: 'AllTraffic',
        InstanceType: spec.instanceType as ProductionVariantInstanceType,
        InitialInstanceCount: spec.initialInstanceCount,
        RoutingConfig: { RoutingStrategy: spec.routingStrategy },
        ...(scaling
          ? {
              ManagedInstanceScaling: {
                Status: 'ENABLED',
                MinInstanceCount: scaling.minInstanceCount,
                MaxInstanceCount: scaling.maxInstanceCount,
              },
            }
          : {}),
      },
    ],
  };
}

/**
 * The endpoint the component goes on. An existing one must host inference components (its config's variants
 * name no model) and be InService (Creating or Updating: EndpointBusyError, retried); a missing one is created
 * with a config named after its specification, and the wait loop starts.
 */
export async function ensureComponentEndpoint<S extends EnsureComponentEndpointState>(
  state: S,
  deps: EnsureComponentEndpointDeps,
) {
  const { endpointName, endpoint: spec } = state.request;
  const existing = await deps.sagemaker.describeEndpoint(endpointName);
  if (existing !== undefined) {
    if (TRANSITIONAL_STATUSES.has(existing.status)) {
      throw new EndpointBusyError(`Endpoint ${endpointName} is ${existing.status}; waiting for it to settle`);
    }
    if (existing.status !== 'InService') {
      throw new EndpointFailedError(
        `Endpoint ${endpointName} is ${existing.status}${existing.failureReason ? `: ${existing.failureReason}` : ''}`,
      );
    }
    const configName = existing.configName ?? '';
    const config = await callSageMaker('DescribeEndpointConfig', () =>
      deps.client.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
    ).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
    if (config !== undefined && (config.ProductionVariants ?? []).some((v) => v.ModelName !== undefined)) {
      throw new ResourceConflictError(
        `Endpoint ${endpointName} serves models (endpoint config ${configName}), not inference components; choose another endpoint name`,
      );
    }
    const instanceType = config?.ProductionVariants?.[0]?.InstanceType;
    if (instanceType !== undefined && instanceType !== spec.instanceType) {
      // The first state checked the component's requirements against endpoint.instanceType: it must be the real one.
      throw new ResourceConflictError(
        `Endpoint ${endpointName} runs ${instanceType}, not ${spec.instanceType} as endpoint.instanceType says; the component's requirements were checked against ${spec.instanceType}`,
      );
    }
    const componentEndpoint: ComponentEndpointRecord = { created: false, configName };
    return { ...state, componentEndpoint };
  }
  const configName = resourceName(endpointName, { components: spec });
  const tags = Object.entries(ownershipTags(state)).map(([Key, Value]) => ({ Key, Value }));
  try {
    await callSageMaker('CreateEndpointConfig', () =>
      deps.client.send(
        new CreateEndpointConfigCommand({
          ...componentEndpointConfig(configName, spec, deps.executionRoleArn),
          Tags: tags,
        }),
      ),
    );
  } catch (error) {
    // The same specification again: the config this name stands for exists already.
    if (!isAlreadyExisting(error)) throw error;
  }
  await callSageMaker('CreateEndpoint', () =>
    deps.client.send(
      new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: configName, Tags: tags }),
    ),
  );
  const componentEndpoint: ComponentEndpointRecord = { created: true, configName };
  const wait: WaitProgress = startWaiting(state.request.wait, deps.now());
  return { ...state, componentEndpoint, wait };
}
