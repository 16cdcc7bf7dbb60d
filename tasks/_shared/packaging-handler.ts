import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import {
  type PackagedModel,
  type PackageModelRequest,
  PackagingState,
} from '../../workflows/package-model/contract.ts';
import { type ArtifactStore, s3ArtifactStore } from './artifact-store.ts';
import { requiredEnv } from './handler.ts';
import { logger } from './logger.ts';
import { DEFAULT_OUTPUT_FOLDER, type PlanDeps } from './package-plan.ts';
import { parseInput } from './parse-input.ts';

/** The packaging tasks' S3 access, created once per function. */
export const artifactStore: ArtifactStore = s3ArtifactStore(new S3Client({}));

/** Where packages go by default: `packages/` in the stack's artifact bucket (ARTIFACT_BUCKET_NAME). */
export function defaultOutput(): string {
  return `s3://${requiredEnv('ARTIFACT_BUCKET_NAME')}/${DEFAULT_OUTPUT_FOLDER}`;
}

/**
 * Builds the Lambda handler of a packaging step: parse the state document at the boundary, add the
 * correlation keys, run the core and put its result at `packaged`.
 */
export function packagingStepHandler(
  stepName: string,
  run: (request: PackageModelRequest, deps: PlanDeps) => Promise<PackagedModel>,
): (event: unknown, context?: Context) => Promise<PackagingState> {
  return async (event, context) => {
    logger.resetKeys();
    if (context) logger.addContext(context);
    const state = parseInput(PackagingState, event, `${stepName} input`);
    logger.appendKeys({ source: state.request.source, execution: state.execution.name, step: stepName });
    const packaged = await run(state.request, { store: artifactStore, defaultOutput: defaultOutput() });
    logger.info('Model packaged', { ...packaged });
    return { ...state, packaged };
  };
}
