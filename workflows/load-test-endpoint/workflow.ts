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
    endpointName: 'churn-predictor',
    confirmEndpointName: 'churn-predictor',
    samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
    // Short, so that the example runs locally in seconds (its closed-loop users keep both the generator and the
    // example model busy all along); a real load test climbs longer steps, as the README's section shows.
    pattern: { stairs: { usersPerStep: 2, steps: 3, stepSeconds: 2 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 250 }, maxErrorRate: 0.01 },
    // The endpoint's own deployment checks are recent traffic: allowed, knowingly.
    liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 1000 },
  },
  timeout: LOAD_TEST_TIMEOUT,
  folder: folderOf(import.meta.url),
  states: LoadTestEndpointStates,
  build: loadTestEndpointDefinition,
} as const satisfies WorkflowDefinition<'LoadTestEndpoint', typeof LoadTestEndpointInput>;
