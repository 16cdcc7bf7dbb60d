import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeployEndpointInput } from './contract.ts';
import { DeployEndpointStates, deployEndpointDefinition } from './definition.ts';

/** DeployEndpoint: a model to a verified, serving endpoint, or back to where it was. */
export const deployEndpoint = {
  name: 'DeployEndpoint',
  description:
    'create or update an endpoint with a new model, wait, verify, health-check and finalize it, or roll back',
  input: DeployEndpointInput,
  example: {
    endpointName: 'churn-predictor',
    modelVersion: '2026-11-25.1',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
      environment: { LOG_LEVEL: 'info' },
    },
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 2 }],
    autoScaling: {
      AllTraffic: {
        minCapacity: 2,
        maxCapacity: 6,
        targetTracking: {
          metric: 'SageMakerVariantInvocationsPerInstance',
          targetValue: 200,
          scaleInCooldownSeconds: 300,
          scaleOutCooldownSeconds: 60,
        },
      },
    },
    deployment: {
      blueGreen: {
        trafficRouting: {
          type: 'CANARY',
          waitIntervalInSeconds: 300,
          canarySize: { type: 'CAPACITY_PERCENT', value: 10 },
        },
        terminationWaitInSeconds: 120,
      },
      // No autoRollbackAlarms: the example runs as it is on the local emulator, which has no CloudWatch alarms.
    },
    healthCheck: {
      samples: [
        {
          contentType: 'text/csv',
          accept: 'application/json',
          body: '1,2',
          expectedStatus: 200,
          expectedOutputContains: 'predictions',
        },
      ],
      invocations: 20,
      concurrency: 4,
      minSuccessRate: 1,
      latencyBudgetMs: 2000,
    },
    dataCapture: {
      initialSamplingPercentage: 10,
      destinationS3Uri: 's3://my-model-artifacts/datacapture',
      captureModes: ['InputAndOutput'],
      csvContentTypes: ['text/csv'],
      jsonContentTypes: ['application/json'],
    },
    onFailure: 'rollback',
    retainVersions: 2,
    tags: { team: 'growth' },
    wait: { initialIntervalSeconds: 15, maxIntervalSeconds: 120, timeoutMinutes: 60 },
    lease: { waitMinutes: 60 },
  },
  // Busy retries, the wait deadline (at most a day), and a rollback that waits too.
  timeout: Duration.hours(48),
  folder: folderOf(import.meta.url),
  states: DeployEndpointStates,
  build: deployEndpointDefinition,
} as const satisfies WorkflowDefinition<'DeployEndpoint', typeof DeployEndpointInput>;
