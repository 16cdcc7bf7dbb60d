/**
 * The CreateModel contract: a model (image and model data, files to package first, or a model package) and the
 * endpoint it is named and tagged for, as DeployEndpoint names its models, so a later deployment of the same
 * model to that endpoint reuses it.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../contract-parts.ts';
import { DeploymentTags } from '../parts/endpoint.ts';
import { ModelSource } from '../parts/model.ts';

/** The execution input of CreateModel. */
export const CreateModelInput = z.strictObject({
  /** The endpoint the model is for: it is named `<endpointName>-<hash of its spec>` and tagged as its. */
  endpointName: sageMakerName,
  model: ModelSource,
  tags: DeploymentTags,
});

/** What a user writes. */
export type CreateModelInputDocument = z.input<typeof CreateModelInput>;
