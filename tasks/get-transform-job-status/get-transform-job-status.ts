import type { CreatedResource, WaitProgress } from '../../contracts/contract-parts.ts';
import { TransformJobFailedError, TransformJobTimeoutError } from '../../contracts/errors.ts';
import type { BatchRun, BatchWaitPolicy } from '../../contracts/parts/batch-transform.ts';
import { CREATED_RESOURCE, WAIT_PROGRESS } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import type { TransformJobGateway } from '../_shared/transform-jobs.ts';
import { nextWait, startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document GetJobStatus reads: which job, and where its wait loop stands. */
export interface GetTransformJobStatusState {
  request: { wait: BatchWaitPolicy };
  run: BatchRun;
  job?: CreatedResource | undefined;
  wait?: WaitProgress | undefined;
}
export const GetTransformJobStatusState = stateSlice<GetTransformJobStatusState>({
  request: { wait: 'object' },
  run: 'object',
  job: optional(CREATED_RESOURCE),
  wait: optional(WAIT_PROGRESS),
});

/** What GetTransformJobStatus needs from the outside. */
interface GetTransformJobStatusDeps {
  jobs: Pick<TransformJobGateway, 'describeTransformJob'>;
  now(): Date;
}

const RUNNING = new Set(['InProgress', 'Stopping']);

/**
 * One poll of the wait loop: describes the job, says whether it has settled and, if not, how long to wait next
 * (capped exponential backoff). Past the deadline: TransformJobTimeoutError.
 */
export async function getTransformJobStatus<S extends GetTransformJobStatusState>(
  state: S,
  deps: GetTransformJobStatusDeps,
) {
  const name = state.job?.name ?? state.run.jobName;
  const job = await deps.jobs.describeTransformJob(name);
  if (!job) throw new TransformJobFailedError(`Transform job ${name} no longer exists`);
  const settled = !RUNNING.has(job.status);
  const jobStatus = {
    status: job.status,
    settled,
    ...(job.failureReason !== undefined ? { failureReason: job.failureReason } : {}),
  };
  if (settled) return { ...state, jobStatus };
  const policy = state.request.wait;
  const wait = nextWait(
    state.wait ?? startWaiting(policy, deps.now()),
    policy,
    deps.now(),
    () => `Transform job ${name} is still ${job.status}`,
    (message) => new TransformJobTimeoutError(message),
  );
  return { ...state, jobStatus, wait };
}
