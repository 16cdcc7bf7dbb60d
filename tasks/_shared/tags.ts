import { PROJECT_TAG_PREFIX } from '../../contracts/resource-tags.ts';
import type { Tags } from './sagemaker.ts';

/** Tag keys this project writes; `endpoint` marks ownership, which retention checks before deleting. */
export const TagKeys = {
  endpoint: `${PROJECT_TAG_PREFIX}endpoint`,
  execution: `${PROJECT_TAG_PREFIX}execution`,
  modelVersion: `${PROJECT_TAG_PREFIX}model-version`,
  endpointConfig: `${PROJECT_TAG_PREFIX}endpoint-config`,
  /** On a resource a workflow made only to measure it and delete it (RightSizeEndpoint's candidates). */
  throwaway: `${PROJECT_TAG_PREFIX}throwaway`,
} as const;

/** Tag keys of what a BatchTransform run creates; `execution` tells which run created a model. */
export const BatchTagKeys = {
  schedule: `${PROJECT_TAG_PREFIX}batch-schedule`,
  execution: TagKeys.execution,
} as const;

/** The parts of a deployment's state document that ownership tags are made of. */
export interface Owner {
  readonly request: { readonly endpointName: string; readonly tags: Readonly<Tags> };
  readonly execution: { readonly name: string };
}

/** The tags every resource created by a deployment carries: the user's plus ownership. */
export function ownershipTags(owner: Owner): Tags {
  return {
    ...owner.request.tags,
    [TagKeys.endpoint]: owner.request.endpointName,
    [TagKeys.execution]: owner.execution.name,
  };
}
