import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { CreateEndpointConfigInput } from './contract.ts';
import { CreateEndpointConfigStates, createEndpointConfigDefinition } from './definition.ts';

/** CreateEndpointConfig: an endpoint config over an existing model, created once and reused after. */
export const createEndpointConfig = {
  name: 'CreateEndpointConfig',
  description: "create an endpoint's config (its variants over an existing model), or reuse the identical one",
  input: CreateEndpointConfigInput,
  example: {
    endpointName: 'churn-predictor',
    modelName: 'churn-predictor-dbef204148',
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 2 }],
    tags: { team: 'growth' },
  },
  timeout: Duration.minutes(30),
  folder: folderOf(import.meta.url),
  states: CreateEndpointConfigStates,
  build: createEndpointConfigDefinition,
} as const satisfies WorkflowDefinition<'CreateEndpointConfig', typeof CreateEndpointConfigInput>;
