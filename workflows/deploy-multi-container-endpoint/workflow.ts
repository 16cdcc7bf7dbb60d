import { Duration } from 'aws-cdk-lib';
import { ModelDeploymentStates, modelDeploymentDefinition } from '../model-deployment.ts';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeployMultiContainerEndpointInput } from './contract.ts';

/** DeployMultiContainerEndpoint: up to 15 containers on one endpoint, each invoked by its hostname and checked. */
export const deployMultiContainerEndpoint = {
  name: 'DeployMultiContainerEndpoint',
  description:
    'deploy 2-15 containers on one endpoint, each invoked by its hostname (Direct), checked each, or roll back',
  input: DeployMultiContainerEndpointInput,
  example: {
    endpointName: 'churn-and-upsell',
    containers: [
      {
        hostname: 'churn',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
        modelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
      },
      {
        hostname: 'upsell',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
        modelDataUrl: 's3://my-model-artifacts/upsell/2026-11-20.3/model.tar.gz',
      },
    ],
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.xlarge', initialInstanceCount: 2 }],
    healthCheck: {
      samples: [
        {
          targetContainerHostname: 'churn',
          contentType: 'text/csv',
          accept: 'application/json',
          body: '1,2',
          expectedOutputContains: 'predictions',
        },
        {
          targetContainerHostname: 'upsell',
          contentType: 'text/csv',
          accept: 'application/json',
          body: '3,4',
          expectedOutputContains: 'predictions',
        },
      ],
    },
    tags: { team: 'growth' },
  },
  timeout: Duration.hours(48),
  folder: folderOf(import.meta.url),
  states: ModelDeploymentStates,
  build: modelDeploymentDefinition,
} as const satisfies WorkflowDefinition<'DeployMultiContainerEndpoint', typeof DeployMultiContainerEndpointInput>;
