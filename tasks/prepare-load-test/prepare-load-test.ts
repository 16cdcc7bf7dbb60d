/**
 * PrepareLoadTest: the first state that knows the endpoint. It refuses, naming the field, what only the endpoint
 * shows to be wrong (an endpoint that is missing, not InService, asynchronous or of inference components; a target
 * it does not have), records its variants, and plans the first run of the load generators.
 */
import { EndpointBusyError } from '../../contracts/errors.ts';
import type { LoadTestRequest } from '../../contracts/parts/load-test.ts';
import {
  type LoadTestProgress,
  type PlannedRequest,
  planRun,
  refuseLoadTestInput as refuse,
  type TestedVariant,
} from '../_shared/load-test-state.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document PrepareLoadTest reads. */
export interface PrepareLoadTestState {
  loadTest: {
    request: PlannedRequest &
      Pick<LoadTestRequest, 'endpointName' | 'targetModels' | 'targetContainerHostname' | 'targetVariant'> & {
        caps: { maxTotalInvocations: number };
      };
  };
  execution: { name: string };
}
export const PrepareLoadTestState = stateSlice<PrepareLoadTestState>({
  loadTest: {
    request: {
      endpointName: 'string',
      targetModels: optional('array'),
      targetContainerHostname: optional('string'),
      targetVariant: optional('string'),
      pattern: 'object',
      caps: { maxTotalInvocations: 'number' },
      options: { usersPerWorker: 'number', startLeadSeconds: 'number' },
    },
  },
  execution: { name: 'string' },
});

/** What PrepareLoadTest needs from the outside. */
interface PrepareLoadTestDeps {
  sagemaker: Pick<SageMakerGateway, 'describeEndpoint' | 'describeEndpointConfig' | 'describeModel'>;
  now(): number;
}

/** Endpoint statuses that pass on their own: the test waits for them (EndpointBusyError's bounded retry). */
const BUSY = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** The prefix under the artifact bucket where one test's results go. */
function resultsPrefixOf(executionName: string, endpointName: string): string {
  return `load-tests/${executionName}/${endpointName}/`;
}

/** Checks the request's targets against the endpoint's variants and models; the variants under test. */
async function testedVariants(request: PrepareLoadTestState['loadTest']['request'], deps: PrepareLoadTestDeps) {
  const name = request.endpointName;
  const endpoint = await deps.sagemaker.describeEndpoint(name);
  if (endpoint === undefined) refuse('endpointName', `endpoint ${name} does not exist`);
  if (BUSY.has(endpoint.status)) {
    throw new EndpointBusyError(`Endpoint ${name} is ${endpoint.status}; the load test waits until it is InService`);
  }
  if (endpoint.status !== 'InService') {
    refuse('endpointName', `endpoint ${name} is ${endpoint.status}; a load test needs it InService`);
  }
  const config = endpoint.configName ? await deps.sagemaker.describeEndpointConfig(endpoint.configName) : undefined;
  if (config === undefined) refuse('endpointName', `the endpoint config of ${name} cannot be read`);
  if (config.AsyncInferenceConfig !== undefined) {
    refuse(
      'endpointName',
      `endpoint ${name} is asynchronous (InvokeEndpointAsync); LoadTestEndpoint measures real-time InvokeEndpoint`,
    );
  }
  const all = config.ProductionVariants;
  if (request.targetVariant !== undefined && !all.some((v) => v.VariantName === request.targetVariant)) {
    refuse(
      'targetVariant',
      `endpoint ${name} has no variant ${request.targetVariant} (it has ${all.map((v) => v.VariantName).join(', ')})`,
    );
  }
  const loaded = all.filter((v) => request.targetVariant === undefined || v.VariantName === request.targetVariant);
  const variants: TestedVariant[] = [];
  for (const variant of loaded) {
    const variantName = variant.VariantName ?? '';
    if (variant.ModelName === undefined) {
      refuse(
        'endpointName',
        `variant ${variantName} of ${name} serves inference components, which a load test does not target yet`,
      );
    }
    const model = await deps.sagemaker.describeModel(variant.ModelName);
    if (model === undefined) refuse('endpointName', `model ${variant.ModelName} of variant ${variantName} is gone`);
    const containers = model.Containers ?? (model.PrimaryContainer ? [model.PrimaryContainer] : []);
    const multiModel = containers.some((c) => c.Mode === 'MultiModel');
    const direct = model.InferenceExecutionConfig?.Mode === 'Direct';
    if (multiModel && request.targetModels === undefined) {
      refuse('targetModels', `variant ${variantName} of ${name} is multi-model: name the models to invoke`);
    }
    if (!multiModel && request.targetModels !== undefined) {
      refuse('targetModels', `variant ${variantName} of ${name} is not multi-model and takes no TargetModel`);
    }
    if (direct && request.targetContainerHostname === undefined) {
      refuse(
        'targetContainerHostname',
        `variant ${variantName} of ${name} invokes its containers one by one (Direct): name the container to load`,
      );
    }
    if (!direct && request.targetContainerHostname !== undefined) {
      refuse(
        'targetContainerHostname',
        `variant ${variantName} of ${name} is not a multi-container endpoint invoked per container (Direct)`,
      );
    }
    const hostnames = containers.map((c) => c.ContainerHostname);
    if (direct && !hostnames.includes(request.targetContainerHostname)) {
      refuse(
        'targetContainerHostname',
        `variant ${variantName} of ${name} has no container ${request.targetContainerHostname} (it has ${hostnames.join(', ')})`,
      );
    }
    variants.push({
      variantName,
      ...(variant.InstanceType !== undefined ? { instanceType: variant.InstanceType } : {}),
      ...(variant.InitialInstanceCount !== undefined ? { instanceCount: variant.InitialInstanceCount } : {}),
      serverless: variant.ServerlessConfig !== undefined,
    });
  }
  return { arn: endpoint.arn, variants };
}

/** The PrepareLoadTest step: the endpoint and the targets checked, the first run planned. */
export async function prepareLoadTest<S extends PrepareLoadTestState>(
  state: S,
  deps: PrepareLoadTestDeps,
): Promise<S & { loadTest: S['loadTest'] & Omit<LoadTestProgress, 'invocations'> & { endpointArn: string } }> {
  const { request } = state.loadTest;
  const { arn, variants } = await testedVariants(request, deps);
  const budget = request.caps.maxTotalInvocations;
  return {
    ...state,
    loadTest: {
      ...state.loadTest,
      endpointArn: arn,
      resultsPrefix: resultsPrefixOf(state.execution.name, request.endpointName),
      variants,
      budgetRemaining: budget,
      next: planRun(request, 0, 0, budget, deps.now()),
      steps: [],
      done: false,
    },
  };
}
