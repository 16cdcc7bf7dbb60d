import { validateFirstState } from '../first-state.ts';
import { RightSizeEndpointInput } from './contract.ts';
import { rightSizeState } from './plan.ts';

/**
 * Lambda entry of RightSizeEndpoint's first state (ValidateInput): the input checked, then each candidate checked
 * as DeployEndpoint and the load test would check it, and the plan of candidates with their throwaway names.
 */
export const handler = async (event: unknown) => {
  const { request, execution } = validateFirstState('RightSizeEndpoint', RightSizeEndpointInput, event);
  return rightSizeState(request, execution);
};
