import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { RemoveModelFromMultiModelEndpointInput } from './contract.ts';
import { RemoveModelFromMultiModelEndpointStates, removeModelFromMultiModelEndpointDefinition } from './definition.ts';

/** RemoveModelFromMultiModelEndpoint: a model's object deleted from a multi-model endpoint's prefix. */
export const removeModelFromMultiModelEndpoint = {
  name: 'RemoveModelFromMultiModelEndpoint',
  description: "delete a model from a multi-model endpoint's prefix and report how the endpoint answers it now",
  input: RemoveModelFromMultiModelEndpointInput,
  example: {
    endpointName: 'churn-by-region',
    targetModel: 'apac-04484f5143.tar.gz',
    probe: { contentType: 'text/csv', body: '1,2' },
  },
  timeout: Duration.hours(1),
  folder: folderOf(import.meta.url),
  states: RemoveModelFromMultiModelEndpointStates,
  build: removeModelFromMultiModelEndpointDefinition,
} as const satisfies WorkflowDefinition<
  'RemoveModelFromMultiModelEndpoint',
  typeof RemoveModelFromMultiModelEndpointInput
>;
