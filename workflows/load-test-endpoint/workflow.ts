import { LOAD_TEST_TIMEOUT } from '../load-test-steps.ts';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { LoadTestEndpointInput } from './contract.ts';
import { LoadTestEndpointStates, loadTestEndpointDefinition } from './definition.ts';

/** LoadTestEndpoint: a traffic pattern against an existing endpoint, and what it sustains. */
export const loadTestEndpoint = {
  name: 'LoadTestEndpoint',
  description:
    'load-test an existing endpoint with a traffic pattern and report what it sustains (MaxInvocations, latency percentiles, SageMaker metrics, a verdict)',
  input: LoadTestEndpointInput,
  example: {
    endpointName: 'churn-staging',
    confirmEndpointName: 'churn-staging',
    samples: [{ contentType: 'text/csv', accept: 'application/json', body: '42,0.5,3,1' }],
    pattern: { stairs: { usersPerStep: 4, steps: 5, stepSeconds: 120 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 250 }, maxErrorRate: 0.01 },
  },
  timeout: LOAD_TEST_TIMEOUT,
  folder: folderOf(import.meta.url),
  states: LoadTestEndpointStates,
  build: loadTestEndpointDefinition,
} as const satisfies WorkflowDefinition<'LoadTestEndpoint', typeof LoadTestEndpointInput>;
