import type { CreatedResource } from '../../contracts/contract-parts.ts';
import {
  TransformJobFailedError,
  TransformJobTimeoutError,
  TransformOutputMissingError,
} from '../../contracts/errors.ts';
import type { BatchRun, TransformJobStatusSummary } from '../../contracts/parts/batch-transform.ts';
import type { ArtifactStore } from '../_shared/artifact-store.ts';
import { outputKeyOf, splitS3Uri } from '../_shared/batch-run.ts';
import { CREATED_RESOURCE, RESOLVED_RUN } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document VerifyOutputs reads: the run's locations and how its job ended. */
export interface VerifyTransformOutputsState {
  run: BatchRun;
  jobStatus: TransformJobStatusSummary;
  job?: CreatedResource | undefined;
}
export const VerifyTransformOutputsState = stateSlice<VerifyTransformOutputsState>({
  run: RESOLVED_RUN,
  jobStatus: { status: 'string', settled: 'boolean', failureReason: optional('string') },
  job: optional(CREATED_RESOURCE),
});

/** What VerifyOutputs needs from the outside. */
interface VerifyTransformOutputsDeps {
  objects: Pick<ArtifactStore, 'list'>;
}

/** Missing outputs quoted in the error message, at most. */
const QUOTED = 5;

/**
 * A settled job must be Completed (else TransformJobFailedError with SageMaker's FailureReason), and every input
 * object must have its `.out` under the output prefix (else TransformOutputMissingError listing them). A job still
 * running (its wait ended at the deadline) is TransformJobTimeoutError: the run stops it.
 */
export async function verifyTransformOutputs<S extends VerifyTransformOutputsState>(
  state: S,
  deps: VerifyTransformOutputsDeps,
) {
  const { run, jobStatus: status } = state;
  const name = state.job?.name ?? run.jobName;
  if (!status.settled) {
    throw new TransformJobTimeoutError(`Transform job ${name} is still ${status.status} at the run's deadline`);
  }
  if (status.status !== 'Completed') {
    throw new TransformJobFailedError(
      `Transform job ${name} ended ${status.status}${status.failureReason ? `: ${status.failureReason}` : ''}`,
    );
  }
  const input = splitS3Uri(run.inputS3Uri);
  const output = splitS3Uri(run.outputS3Uri);
  const outPrefix = output.key === '' || output.key.endsWith('/') ? output.key : `${output.key}/`;
  // An output prefix inside the input prefix lists this job's own `.out` objects among the inputs.
  const isOutput = (key: string) => input.bucket === output.bucket && key.startsWith(outPrefix) && key.endsWith('.out');
  const inputs = (await deps.objects.list(input.bucket, input.key)).filter(
    (o) => !o.key.endsWith('/') && !isOutput(o.key),
  );
  const outputs = new Set((await deps.objects.list(output.bucket, outPrefix)).map((o) => o.key));
  const missing = inputs
    .map((o) => o.key)
    .filter((key) => !outputs.has(outputKeyOf(input.key, output.key, key)))
    .map((key) => `s3://${input.bucket}/${key}`);
  const verification = { inputObjects: inputs.length, outputObjects: inputs.length - missing.length, missing };
  if (missing.length > 0) {
    const more = missing.length > QUOTED ? ` and ${missing.length - QUOTED} more` : '';
    throw new TransformOutputMissingError(
      `Transform job ${name} completed, but ${missing.length} of ${inputs.length} input objects have no .out: ${missing.slice(0, QUOTED).join(', ')}${more}`,
    );
  }
  return { ...state, verification };
}
