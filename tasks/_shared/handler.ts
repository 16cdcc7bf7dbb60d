import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { parseInput } from '../../workflows/parse-input.ts';
import { logger } from './logger.ts';

/**
 * Builds the Lambda handler of a workflow step: parse the state document with its workflow's contract at the
 * boundary (InvalidInputError naming the field), add the correlation keys to the logger, delegate to the core.
 * Unknown errors propagate unchanged (Lambda reports their name).
 */
export function stepHandler<Schema extends z.ZodMiniType, Result>(
  schema: Schema,
  stepName: string,
  correlation: (state: z.output<Schema>) => Record<string, string | undefined>,
  run: (state: z.output<Schema>) => Promise<Result>,
): (event: unknown, context?: Context) => Promise<Result> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const state = parseInput(schema, event, `${stepName} input`);
    logger.appendKeys({ ...correlation(state), step: stepName });
    return run(state);
  };
}

/** The handler of a DeployEndpoint step, correlated by endpoint and execution. */
export function deploymentStepHandler(stepName: string, run: (state: DeploymentState) => Promise<DeploymentState>) {
  return stepHandler(
    DeploymentState,
    stepName,
    (state) => ({ endpoint: state.request.endpointName, execution: state.execution.name }),
    run,
  );
}

/** Reads a required environment variable set by the stack. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is not set`);
  return value;
}
