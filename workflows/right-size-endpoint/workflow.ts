import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { RightSizeEndpointInput } from './contract.ts';
import { RightSizeEndpointStates, rightSizeEndpointDefinition } from './definition.ts';

/** RightSizeEndpoint: candidates in, each deployed, load-tested and deleted; a ranked table and a ready deployment out. */
export const rightSizeEndpoint = {
  name: 'RightSizeEndpoint',
  description:
    'deploy each candidate (instance type × count × container environment, or serverless) as a throwaway endpoint, load-test it, delete it, and recommend the cheapest that meets the latency threshold at the target rate, as a ready DeployEndpoint input',
  input: RightSizeEndpointInput,
  example: {
    endpointNamePrefix: 'churn',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
    },
    candidates: {
      instanceTypes: ['ml.c5.large', 'ml.m5.large'],
      instanceCounts: [1],
      environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['1', '2'] },
    },
    samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
    // Short, so that the example runs locally in seconds (its closed-loop users keep both the generator and the
    // example model busy all along); a real right-sizing climbs longer steps (minutes each), as the README's
    // RightSizeEndpoint section shows.
    pattern: { stairs: { usersPerStep: 2, steps: 2, stepSeconds: 2 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 250 }, maxErrorRate: 0.01 },
    targetRequestsPerSecond: 200,
    safetyFactor: 0.5,
    region: 'us-east-1',
    maxConcurrency: 2,
  },
  // Each candidate: a deployment (up to an hour's wait), its load test (up to 3 hours with the metrics wait), its
  // deletion; at least two at a time over at most 20 candidates; a day is Step Functions' comfortable bound.
  timeout: Duration.hours(24),
  // Its candidates: whatever a failed execution's own DeleteAllCandidates leaves, the execution cleanup deletes.
  makesThrowaways: true,
  folder: folderOf(import.meta.url),
  states: RightSizeEndpointStates,
  build: rightSizeEndpointDefinition,
} as const satisfies WorkflowDefinition<'RightSizeEndpoint', typeof RightSizeEndpointInput>;
