import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeployMultiModelEndpointInput } from './contract.ts';
import { DeployMultiModelEndpointStates, deployMultiModelEndpointDefinition } from './definition.ts';

/** DeployMultiModelEndpoint: a multi-model endpoint serving every model under a prefix, verified per model. */
export const deployMultiModelEndpoint = {
  name: 'DeployMultiModelEndpoint',
  description:
    'place models under a prefix, deploy one multi-model container over it, and check every model, or roll back',
  input: DeployMultiModelEndpointInput,
  example: {
    endpointName: 'churn-by-region',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      prefix: 's3://my-model-artifacts/mme/churn-by-region/',
      cacheSetting: 'Enabled',
    },
    models: [
      { name: 'eu', artifact: 's3://my-model-artifacts/churn/eu/2026-11-25.1/model.tar.gz' },
      { name: 'us', artifact: 's3://my-model-artifacts/churn/us/2026-11-25.1/model.tar.gz' },
    ],
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.xlarge', initialInstanceCount: 2 }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 5,
    },
    tags: { team: 'growth' },
  },
  // Busy retries, the wait deadline, warming each model up (a load may take 6 minutes), and a rollback.
  timeout: Duration.hours(48),
  folder: folderOf(import.meta.url),
  states: DeployMultiModelEndpointStates,
  build: deployMultiModelEndpointDefinition,
} as const satisfies WorkflowDefinition<'DeployMultiModelEndpoint', typeof DeployMultiModelEndpointInput>;
