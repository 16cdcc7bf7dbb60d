import { FirstStateEvent } from '../../workflows/contract-parts.ts';
import { DeployEndpointInput, type DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { parseInput } from '../_shared/parse-input.ts';

/**
 * The first state of DeployEndpoint: checks the execution input against its contract and applies the defaults.
 * Bad input fails here with InvalidInputError naming the field; no AWS call is made.
 */
export function validateDeployInput(event: unknown): DeploymentState {
  const { input, execution } = parseInput(FirstStateEvent, event, 'ValidateInput payload');
  const request = parseInput(DeployEndpointInput, input, 'DeployEndpoint input');
  return { request, execution };
}
