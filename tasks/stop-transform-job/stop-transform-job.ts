import type { CreatedResource } from '../../contracts/contract-parts.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import type { TransformJobGateway } from '../_shared/transform-jobs.ts';

/** The slice of the state document StopTransformJob reads: the job this run started or followed, if any. */
export interface StopTransformJobState {
  job?: CreatedResource | undefined;
}
export const StopTransformJobState = stateSlice<StopTransformJobState>({
  job: optional(CREATED_RESOURCE),
});

/** What StopTransformJob needs from the outside. */
interface StopTransformJobDeps {
  jobs: Pick<TransformJobGateway, 'describeTransformJob' | 'stopTransformJob'>;
}

/**
 * On the failure path: a run that gives up while its job still runs (a deadline passed, verification could
 * not start) stops that job, so nothing keeps running and billing after the execution has failed. A job that
 * already ended, or that this run never reached, is left alone.
 */
export async function stopTransformJob<S extends StopTransformJobState>(
  state: S,
  deps: StopTransformJobDeps,
): Promise<S & { stoppedJob?: { name: string; status: string } }> {
  const name = state.job?.name;
  if (name === undefined) return state;
  const job = await deps.jobs.describeTransformJob(name);
  if (job?.status !== 'InProgress') return state;
  await deps.jobs.stopTransformJob(name);
  return { ...state, stoppedJob: { name, status: 'Stopping' } };
}
