import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { AddModelToMultiModelEndpointInput } from './contract.ts';
import { AddModelToMultiModelEndpointStates, addModelToMultiModelEndpointDefinition } from './definition.ts';

/** AddModelToMultiModelEndpoint: one more model on a multi-model endpoint, loaded and checked before it counts. */
export const addModelToMultiModelEndpoint = {
  name: 'AddModelToMultiModelEndpoint',
  description: "place a model under a multi-model endpoint's prefix, warm it up and check it; remove it if it fails",
  input: AddModelToMultiModelEndpointInput,
  example: {
    endpointName: 'churn-by-region',
    model: { name: 'apac', artifact: 's3://my-model-artifacts/churn/apac/2026-11-25.1/model.tar.gz' },
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 5,
    },
  },
  // Packaging (15 minutes at most), a load that may take 6 minutes, and the check.
  timeout: Duration.hours(2),
  folder: folderOf(import.meta.url),
  states: AddModelToMultiModelEndpointStates,
  build: addModelToMultiModelEndpointDefinition,
} as const satisfies WorkflowDefinition<'AddModelToMultiModelEndpoint', typeof AddModelToMultiModelEndpointInput>;
