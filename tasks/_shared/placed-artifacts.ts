/**
 * Which model artifacts under a multi-model endpoint's prefix an execution placed, by evidence on the object itself
 * (as SageMaker resources carry the execution's tag, tasks/_shared/execution-leftovers.ts): PlaceModel copies an
 * artifact with user metadata naming the execution that placed it. A key that was there before is reused, never
 * copied again, so it keeps the metadata of the run that placed it (or none): RemovePlacedArtifacts, which deletes
 * only the objects naming its own execution, never deletes an artifact that existed before the run.
 */

/** The user metadata key (x-amz-meta-...) naming the execution (its ARN) that placed an artifact. */
export const PLACED_BY_METADATA = 'sagemaker-workflows-execution';

/** The metadata PlaceModel gives a copy it makes. */
export const placedByMetadata = (executionId: string): Record<string, string> => ({
  [PLACED_BY_METADATA]: executionId,
});
