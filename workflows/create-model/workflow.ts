import { Duration } from 'aws-cdk-lib';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { CreateModelInput } from './contract.ts';
import { CreateModelStates, createModelDefinition } from './definition.ts';

/** CreateModel: a SageMaker model, named and tagged for its endpoint, created once and reused after. */
export const createModel = {
  name: 'CreateModel',
  description: "create an endpoint's model (packaging its files first when asked), or reuse the identical one",
  input: CreateModelInput,
  example: {
    endpointName: 'churn-predictor',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
      environment: { LOG_LEVEL: 'info' },
    },
    tags: { team: 'growth' },
  },
  // Packaging runs at most 15 minutes (once more when a source changes); CreateModel takes seconds.
  timeout: Duration.hours(1),
  folder: folderOf(import.meta.url),
  states: CreateModelStates,
  build: createModelDefinition,
} as const satisfies WorkflowDefinition<'CreateModel', typeof CreateModelInput>;
