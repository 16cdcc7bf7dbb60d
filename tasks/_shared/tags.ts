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

/** What a throwaway deployment is for: the value of its throwaway tag (RightSizeEndpoint's candidates). */
export type ThrowawayKind = 'right-size';

/** The parts of a deployment's state document that ownership tags are made of. */
export interface Owner {
  readonly request: { readonly endpointName: string; readonly tags: Readonly<Tags> };
  readonly execution: { readonly id?: string; readonly name: string };
  /** Set on a deployment made to be measured and deleted (RightSizeEndpoint puts it on each candidate's state). */
  readonly throwaway?: ThrowawayKind | undefined;
}

/**
 * The tags every resource created by a deployment carries: the user's plus ownership. A throwaway deployment's
 * execution tag holds the execution's ARN (what a cleanup started from the execution's status-change event knows
 * it by) and the throwaway tag says what it was for; a lasting deployment's execution tag holds the execution name.
 */
export function ownershipTags(owner: Owner): Tags {
  if (owner.throwaway !== undefined && owner.execution.id !== undefined) {
    return {
      ...owner.request.tags,
      [TagKeys.endpoint]: owner.request.endpointName,
      [TagKeys.execution]: owner.execution.id,
      [TagKeys.throwaway]: owner.throwaway,
    };
  }
  return {
    ...owner.request.tags,
    [TagKeys.endpoint]: owner.request.endpointName,
    [TagKeys.execution]: owner.execution.name,
  };
}
