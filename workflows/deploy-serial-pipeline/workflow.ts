import { Duration } from 'aws-cdk-lib';
import { ModelDeploymentStates, modelDeploymentDefinition } from '../model-deployment.ts';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeploySerialPipelineInput } from './contract.ts';

/** DeploySerialPipeline: 2-15 containers run in order on every request, checked end to end. */
export const deploySerialPipeline = {
  name: 'DeploySerialPipeline',
  description: 'deploy 2-15 containers that run in order on every request (a serial inference pipeline), or roll back',
  input: DeploySerialPipelineInput,
  example: {
    endpointName: 'churn-pipeline',
    containers: [
      {
        hostname: 'featurizer',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/featurizer:1',
        modelDataUrl: 's3://my-model-artifacts/churn-featurizer/2026-11-25.1/model.tar.gz',
      },
      {
        hostname: 'model',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
        modelDataUrl: 's3://my-model-artifacts/churn-standardized/2026-11-25.1/model.tar.gz',
      },
    ],
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.xlarge', initialInstanceCount: 2 }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '12,340', expectedOutputContains: 'predictions' },
      ],
    },
    tags: { team: 'growth' },
  },
  timeout: Duration.hours(48),
  folder: folderOf(import.meta.url),
  states: ModelDeploymentStates,
  build: modelDeploymentDefinition,
} as const satisfies WorkflowDefinition<'DeploySerialPipeline', typeof DeploySerialPipelineInput>;
