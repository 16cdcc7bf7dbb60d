import type { Context } from 'aws-lambda';
import { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { logger } from './logger.ts';
import { parseInput } from './parse-input.ts';

/**
 * Builds the Lambda handler of a DeployEndpoint step: parse the state document at the boundary, add the
 * correlation keys, delegate to the core. Unknown errors propagate unchanged (Lambda reports their name).
 */
export function deploymentStepHandler(
  stepName: string,
  run: (state: DeploymentState) => Promise<DeploymentState>,
): (event: unknown, context?: Context) => Promise<DeploymentState> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const state = parseInput(DeploymentState, event, `${stepName} input`);
    logger.appendKeys({ endpoint: state.request.endpointName, execution: state.execution.name, step: stepName });
    return run(state);
  };
}

/** Reads a required environment variable set by the stack. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
