import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { RemoveInferenceComponentInput } from './contract.ts';
import { RemoveInferenceComponentStates, removeInferenceComponentDefinition } from './definition.ts';

/** RemoveInferenceComponent: one inference component off a shared endpoint, and how the endpoint answers it then. */
export const removeInferenceComponent = {
  name: 'RemoveInferenceComponent',
  description:
    'delete an inference component, wait until it is gone, report how the endpoint answers its name; delete the endpoint when asked and empty',
  input: RemoveInferenceComponentInput,
  example: {
    endpointName: 'shared-models',
    component: { name: 'churn-predictor' },
    deleteEndpointWhenEmpty: false,
    probe: { contentType: 'text/csv', body: '1,2' },
  },
  // The deletion's wait (its deadline) and one probe.
  timeout: Duration.hours(2),
  folder: folderOf(import.meta.url),
  states: RemoveInferenceComponentStates,
  build: removeInferenceComponentDefinition,
} as const satisfies WorkflowDefinition<'RemoveInferenceComponent', typeof RemoveInferenceComponentInput>;
