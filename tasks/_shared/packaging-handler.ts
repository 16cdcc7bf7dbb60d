import { S3Client } from '@aws-sdk/client-s3';
import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import type { PackagedModel, PackageModelRequest } from '../../contracts/parts/packaging.ts';
import type { TaskName } from '../../contracts/steps.ts';
import { type ArtifactStore, s3ArtifactStore } from './artifact-store.ts';
import { requiredEnv, stepHandler } from './handler.ts';
import { logger } from './logger.ts';
import { DEFAULT_OUTPUT_FOLDER, type PlanDeps } from './package-plan.ts';
import { optional, stateSlice } from './state-slice.ts';

/**
 * The slice of the state document the packaging steps read: a PackageModel request (PackageModel's own input,
 * or DeployEndpoint's `model.package`) and the execution.
 */
export interface PackagingState {
  request: PackageModelRequest;
  execution: ExecutionFacts;
}
export const PackagingState = stateSlice<PackagingState>({
  request: {
    source: 'string',
    framework: 'string',
    code: optional('string'),
    output: optional('string'),
    format: 'string',
    compressionLevel: optional('number'),
  },
  execution: 'object',
});

/** The packaging steps' S3 client, created once per function. */
export const s3Client = new S3Client({});

/** The packaging steps' S3 access. */
const artifactStore: ArtifactStore = s3ArtifactStore(s3Client);

/** Where packages go by default: `packages/` in the stack's artifact bucket (ARTIFACT_BUCKET_NAME). */
export function defaultOutput(): string {
  return `s3://${requiredEnv('ARTIFACT_BUCKET_NAME')}/${DEFAULT_OUTPUT_FOLDER}`;
}

/** The handler of a packaging step; the core's result goes to `packaged`. */
export function packagingStepHandler(
  stepName: Extract<TaskName, 'PackageModel' | 'CopyUncompressedModel'>,
  run: (request: PackageModelRequest, deps: PlanDeps) => Promise<PackagedModel>,
) {
  return stepHandler(PackagingState, stepName, async (state) => {
    const packaged = await run(state.request, { store: artifactStore, defaultOutput: defaultOutput() });
    logger.info('Model packaged', { ...packaged });
    return { ...state, packaged };
  });
}
