import type { CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import type { BatchTransformRequest } from '../../contracts/parts/batch-transform.ts';
import { batchJobOwner } from '../_shared/batch-run.ts';
import { batchModelDefinition, modelSpecFor } from '../_shared/models.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { CREATED_RESOURCE } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { BatchTagKeys } from '../_shared/tags.ts';
import type { TransformJobGateway } from '../_shared/transform-jobs.ts';

/**
 * The slice of the state document DeleteRunModel reads: the request (its model and schedule), the execution,
 * and the model and job the run got to, if it got that far.
 */
export interface DeleteRunModelState {
  request: Pick<BatchTransformRequest, 'scheduleName' | 'model'>;
  execution: ExecutionFacts;
  run?: { jobName: string } | undefined;
  model?: CreatedResource | undefined;
  job?: CreatedResource | undefined;
}
export const DeleteRunModelState = stateSlice<DeleteRunModelState>({
  request: { scheduleName: 'string', model: 'object' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
  run: optional({ jobName: 'string' }),
  model: optional(CREATED_RESOURCE),
  job: optional(CREATED_RESOURCE),
});

/** What DeleteRunModel needs from the outside. */
interface DeleteRunModelDeps {
  sagemaker: Pick<SageMakerGateway, 'describeModel' | 'deleteModel' | 'listTags'>;
  jobs: Pick<TransformJobGateway, 'listTransformJobs' | 'describeTransformJob'>;
  /** The role every model of the stack runs as: part of the model's name. */
  executionRoleArn: string;
}

/** What became of the run's model. */
interface ModelCleanup {
  model?: string;
  action: 'deleted' | 'kept' | 'none';
  reason: string;
}

/**
 * On the failure path of BatchTransform: deletes the model this run created, so a failed run leaves nothing
 * behind. The model is found by its deterministic name (the run may have failed before recording it) and is
 * deleted only when this execution created it (its execution tag) and no other job of the schedule is using it.
 */
export async function deleteRunModel<S extends DeleteRunModelState>(
  state: S,
  deps: DeleteRunModelDeps,
): Promise<S & { modelCleanup: ModelCleanup }> {
  const done = (modelCleanup: ModelCleanup) => ({ ...state, modelCleanup });
  const { request } = state;
  if (request.model.name !== undefined) {
    return done({ model: request.model.name, action: 'none', reason: 'the run uses an existing model' });
  }
  const name =
    state.model?.name ??
    modelSpecFor(request.scheduleName, batchModelDefinition(request.model), deps.executionRoleArn).ModelName;
  const model = await deps.sagemaker.describeModel(name);
  if (model === undefined) return done({ model: name, action: 'none', reason: 'the run created no model' });
  const tags = await deps.sagemaker.listTags(model.ModelArn);
  const creator = tags[BatchTagKeys.execution];
  if (creator !== state.execution.name) {
    return done({ model: name, action: 'kept', reason: `created by execution ${creator ?? '(unknown)'}` });
  }
  const ownJob = state.job?.name ?? state.run?.jobName;
  const running = await deps.jobs.listTransformJobs(batchJobOwner(request.scheduleName), 'InProgress');
  for (const jobName of running.filter((n) => n !== ownJob)) {
    const job = await deps.jobs.describeTransformJob(jobName);
    if (job?.modelName === name) {
      return done({ model: name, action: 'kept', reason: `in use by transform job ${jobName}` });
    }
  }
  await deps.sagemaker.deleteModel(name);
  return done({ model: name, action: 'deleted', reason: 'created by this run, which failed' });
}
