import type { CreateTransformJobCommandInput } from '@aws-sdk/client-sagemaker';
import type { CreatedResource, ExecutionFacts } from '../../contracts/contract-parts.ts';
import { InvalidInputError } from '../../contracts/errors.ts';
import type { BatchRun, BatchTransformRequest } from '../../contracts/parts/batch-transform.ts';
import { batchModelDefinition, ensureModel } from '../_shared/models.ts';
import type { SageMakerGateway, Tags } from '../_shared/sagemaker.ts';
import { RESOLVED_RUN } from '../_shared/state-fields.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';
import { BatchTagKeys } from '../_shared/tags.ts';
import type { BeforeChange } from '../_shared/task-tokens.ts';
import { isJobNameTaken, type TransformJobGateway } from '../_shared/transform-jobs.ts';
import { startWaiting } from '../_shared/wait-progress.ts';

/** The slice of the state document StartTransformJob reads: the whole request, and the run ResolveRun resolved. */
export interface StartTransformJobState {
  request: BatchTransformRequest;
  execution: ExecutionFacts;
  run: BatchRun;
  model?: CreatedResource | undefined;
}
export const StartTransformJobState = stateSlice<StartTransformJobState>({
  request: 'object',
  execution: 'object',
  run: RESOLVED_RUN,
  model: optional('object'),
});

/** What StartTransformJob needs from the outside. */
interface StartTransformJobDeps {
  sagemaker: Pick<SageMakerGateway, 'describeModel' | 'createModel'>;
  jobs: Pick<TransformJobGateway, 'createTransformJob' | 'describeTransformJob'>;
  executionRoleArn: string;
  now(): Date;
  /**
   * Called just before CreateTransformJob with the state this step will return (the job's ARN still empty): where the
   * waiting task's token is stored. @default - nothing
   */
  beforeChange?: BeforeChange;
}

/** The CreateTransformJob request of the run, in SageMaker's member names. */
function transformJobRequest(
  state: StartTransformJobState,
  modelName: string,
  tags: Tags,
): CreateTransformJobCommandInput {
  const { request: r, run } = state;
  const dp = r.dataProcessing;
  return {
    TransformJobName: run.jobName,
    ModelName: modelName,
    ...(r.batchStrategy !== undefined ? { BatchStrategy: r.batchStrategy } : {}),
    ...(r.maxPayloadInMB !== undefined ? { MaxPayloadInMB: r.maxPayloadInMB } : {}),
    ...(r.maxConcurrentTransforms !== undefined ? { MaxConcurrentTransforms: r.maxConcurrentTransforms } : {}),
    ...(r.environment !== undefined ? { Environment: r.environment } : {}),
    ...(r.modelClientConfig
      ? {
          ModelClientConfig: {
            ...(r.modelClientConfig.invocationsTimeoutInSeconds !== undefined
              ? { InvocationsTimeoutInSeconds: r.modelClientConfig.invocationsTimeoutInSeconds }
              : {}),
            ...(r.modelClientConfig.invocationsMaxRetries !== undefined
              ? { InvocationsMaxRetries: r.modelClientConfig.invocationsMaxRetries }
              : {}),
          },
        }
      : {}),
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: run.inputS3Uri } },
      SplitType: r.input.splitType,
      CompressionType: r.input.compressionType,
      ...(r.input.contentType !== undefined ? { ContentType: r.input.contentType } : {}),
    },
    TransformOutput: {
      S3OutputPath: run.outputS3Uri,
      AssembleWith: r.output.assembleWith,
      ...(r.output.accept !== undefined ? { Accept: r.output.accept } : {}),
      ...(r.output.kmsKeyId !== undefined ? { KmsKeyId: r.output.kmsKeyId } : {}),
    },
    TransformResources: { InstanceType: r.instanceType as never, InstanceCount: r.instanceCount },
    ...(dp
      ? {
          DataProcessing: {
            ...(dp.inputFilter !== undefined ? { InputFilter: dp.inputFilter } : {}),
            ...(dp.outputFilter !== undefined ? { OutputFilter: dp.outputFilter } : {}),
            ...(dp.joinSource !== undefined ? { JoinSource: dp.joinSource } : {}),
          },
        }
      : {}),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
}

/**
 * Creates the model when the input gives an image (CreateModel's naming and reuse), then the transform job.
 * A job of the same name created meanwhile (a duplicate delivery racing this one) is followed, not an error.
 */
export async function startTransformJob<S extends StartTransformJobState>(state: S, deps: StartTransformJobDeps) {
  const { request, run } = state;
  const tags: Tags = { [BatchTagKeys.schedule]: request.scheduleName, [BatchTagKeys.execution]: state.execution.name };
  let model = state.model;
  if (request.model.name !== undefined) {
    const found = await deps.sagemaker.describeModel(request.model.name);
    if (!found) throw new InvalidInputError(`model.name: no SageMaker model named ${request.model.name}`);
    model = { name: found.ModelName, arn: found.ModelArn, created: false };
  } else {
    model = await ensureModel(request.scheduleName, batchModelDefinition(request.model), tags, deps);
  }
  let job: { name: string; arn: string; created: boolean };
  const wait = startWaiting(request.wait, deps.now());
  try {
    await deps.beforeChange?.({
      action: 'create',
      output: { ...state, model, job: { name: run.jobName, arn: '', created: true }, wait },
    });
    const arn = await deps.jobs.createTransformJob(transformJobRequest(state, model.name, tags));
    job = { name: run.jobName, arn, created: true };
  } catch (error) {
    const existing = isJobNameTaken(error) ? await deps.jobs.describeTransformJob(run.jobName) : undefined;
    if (!existing) throw error;
    job = { name: existing.name, arn: existing.arn, created: false };
  }
  return { ...state, model, job, wait };
}
