import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { DeployInferenceComponentInput } from './contract.ts';
import { DeployInferenceComponentStates, deployInferenceComponentDefinition } from './definition.ts';

/** DeployInferenceComponent: one model as an inference component on a shared endpoint, checked by its name. */
export const deployInferenceComponent = {
  name: 'DeployInferenceComponent',
  description:
    'create or update one inference component on an endpoint (creating the endpoint when missing), check it by name, roll back on failure',
  input: DeployInferenceComponentInput,
  example: {
    endpointName: 'shared-models',
    endpoint: { instanceType: 'ml.m5.large', initialInstanceCount: 2 },
    component: {
      name: 'churn-predictor',
      container: {
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
        artifact: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
      },
      computeResourceRequirements: { cpus: 0.5, minMemoryMb: 1024 },
      copyCount: 2,
    },
    rollingUpdate: {
      maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 50 },
      waitIntervalSeconds: 60,
      rollbackMaximumBatchSize: { type: 'COPY_COUNT', value: 1 },
    },
    autoScaling: { minCapacity: 2, maxCapacity: 4, targetTracking: { targetValue: 100 } },
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 5,
    },
  },
  // Creating the endpoint (its wait's deadline), a rolling update of up to 8 hours (MaximumExecutionTimeout), a
  // rollback of as long, and the check.
  timeout: Duration.hours(18),
  folder: folderOf(import.meta.url),
  states: DeployInferenceComponentStates,
  build: deployInferenceComponentDefinition,
} as const satisfies WorkflowDefinition<'DeployInferenceComponent', typeof DeployInferenceComponentInput>;
