import type { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import type { Tags } from './sagemaker.ts';

/** Tag keys this project writes; `endpoint` marks ownership, which retention checks before deleting. */
export const TagKeys = {
  endpoint: 'sagemaker-workflows:endpoint',
  execution: 'sagemaker-workflows:execution',
  modelVersion: 'sagemaker-workflows:model-version',
  endpointConfig: 'sagemaker-workflows:endpoint-config',
} as const;

/** The tags every resource created by a deployment carries: the user's plus ownership. */
export function ownershipTags(state: DeploymentState): Tags {
  return {
    ...state.request.tags,
    [TagKeys.endpoint]: state.request.endpointName,
    [TagKeys.execution]: state.execution.name,
  };
}
