import type { CreatedResource, ExecutionFacts, WaitProgress } from '../../contracts/contract-parts.ts';
import { ResourceConflictError } from '../../contracts/errors.ts';
import type { BatchRun, BatchTransformRequest, BatchWaitPolicy } from '../../contracts/parts/batch-transform.ts';
import { resolveDatePlaceholders } from '../../contracts/parts/date-placeholders.ts';
import type { ArtifactStore } from '../_shared/artifact-store.ts';
import { batchJobName, splitS3Uri } from '../_shared/batch-run.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import type { TransformJobGateway } from '../_shared/transform-jobs.ts';
import { startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document ResolveRun reads: the schedule, its time and the prefixes to resolve. */
export interface ResolveBatchRunState {
  request: {
    scheduleName: string;
    scheduledTime?: string | undefined;
    input: Pick<BatchTransformRequest['input'], 's3Prefix'>;
    output: Pick<BatchTransformRequest['output'], 's3Prefix'>;
    wait: BatchWaitPolicy;
  };
  execution: ExecutionFacts;
}
export const ResolveBatchRunState = stateSlice<ResolveBatchRunState>({
  request: {
    scheduleName: 'string',
    scheduledTime: optional('string'),
    input: { s3Prefix: 'string' },
    output: { s3Prefix: 'string' },
    wait: 'object',
  },
  execution: 'object',
});

/** What ResolveRun needs from the outside. */
interface ResolveBatchRunDeps {
  jobs: Pick<TransformJobGateway, 'describeTransformJob'>;
  objects: Pick<ArtifactStore, 'list'>;
  now(): Date;
}

/**
 * Decides what this run does. The job name comes from the schedule and its scheduled time (the execution's
 * start when started by hand), so a re-delivered schedule finds its job and follows it instead of starting a
 * second one. A job of that name that reads or writes other prefixes is a ResourceConflictError, never
 * silently followed. With no job yet and no input object under the resolved prefix, the run is a clean skip.
 */
export async function resolveBatchRun<S extends ResolveBatchRunState>(
  state: S,
  deps: ResolveBatchRunDeps,
): Promise<S & { run: BatchRun; job?: CreatedResource; wait?: WaitProgress }> {
  const { request } = state;
  const scheduledTime = new Date(request.scheduledTime ?? state.execution.startedAt);
  const jobName = batchJobName(request.scheduleName, scheduledTime);
  const inputS3Uri = resolveDatePlaceholders(request.input.s3Prefix, scheduledTime);
  const outputS3Uri = resolveDatePlaceholders(request.output.s3Prefix, scheduledTime);
  const base = { jobName, scheduledTime: scheduledTime.toISOString(), inputS3Uri, outputS3Uri };

  const existing = await deps.jobs.describeTransformJob(jobName);
  if (existing) {
    const samePrefix = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
    if (!samePrefix(existing.inputS3Uri, inputS3Uri) || !samePrefix(existing.outputS3Uri, outputS3Uri)) {
      throw new ResourceConflictError(
        `Transform job ${jobName} exists for input ${existing.inputS3Uri} and output ${existing.outputS3Uri}; this run ` +
          `resolves input ${inputS3Uri} and output ${outputS3Uri}. Use another scheduleName or scheduledTime`,
      );
    }
  }
  const { bucket, key } = splitS3Uri(inputS3Uri);
  const objects = (await deps.objects.list(bucket, key)).filter((o) => !o.key.endsWith('/'));
  if (existing) {
    return {
      ...state,
      run: { ...base, action: 'follow', inputObjects: objects.length },
      job: { name: existing.name, arn: existing.arn, created: false },
      wait: startWaiting(request.wait, deps.now()),
    };
  }
  return {
    ...state,
    run: { ...base, action: objects.length === 0 ? 'skip' : 'create', inputObjects: objects.length },
  };
}
