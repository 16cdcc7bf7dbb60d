/**
 * A transform job's batch settings: the ones in force (request, then the container's `/execution-parameters`, then
 * SageMaker's defaults) and what CreateTransformJob refuses about the settings and the model.
 */
import { notEmulated, validationException } from '../errors.ts';
import { containerDeploySpecs, invocationModeOf } from '../hosting/model-containers.ts';

/** The batch settings in force, after the request, `/execution-parameters` and the defaults. */
export interface EffectiveBatchSettings {
  maxConcurrentTransforms: number;
  maxPayloadInMB: number;
  batchStrategy: 'SingleRecord' | 'MultiRecord';
}

type Input = Record<string, unknown>;

/** SageMaker's defaults when neither the request nor the container says otherwise. */
const DEFAULTS: EffectiveBatchSettings = {
  maxConcurrentTransforms: 1,
  maxPayloadInMB: 6,
  batchStrategy: 'SingleRecord',
};

/** How the batch strategy is passed to the model server (SAGEMAKER_BATCH_STRATEGY). */
export const STRATEGY_ENV = { SingleRecord: 'SINGLE_RECORD', MultiRecord: 'MULTI_RECORD' } as const;

/**
 * The documented precedence: a value in the CreateTransformJob request wins (MaxConcurrentTransforms and
 * MaxPayloadInMB count as unset at 0... except MaxPayloadInMB 0, which means "no limit"), then what the
 * container's `GET /execution-parameters` answers, then SageMaker's defaults.
 */
export function effectiveSettings(job: Input, fromContainer: Input | undefined): EffectiveBatchSettings {
  const fromRequest = (member: string) => (typeof job[member] === 'number' ? (job[member] as number) : undefined);
  const containerNumber = (member: string) =>
    typeof fromContainer?.[member] === 'number' ? (fromContainer[member] as number) : undefined;
  const containerStrategy = fromContainer?.BatchStrategy;
  const requestedConcurrency = fromRequest('MaxConcurrentTransforms');
  return {
    maxConcurrentTransforms:
      (requestedConcurrency !== undefined && requestedConcurrency > 0 ? requestedConcurrency : undefined) ??
      containerNumber('MaxConcurrentTransforms') ??
      DEFAULTS.maxConcurrentTransforms,
    maxPayloadInMB: fromRequest('MaxPayloadInMB') ?? containerNumber('MaxPayloadInMB') ?? DEFAULTS.maxPayloadInMB,
    batchStrategy:
      job.BatchStrategy === 'MultiRecord' || job.BatchStrategy === 'SingleRecord'
        ? job.BatchStrategy
        : containerStrategy === 'MULTI_RECORD' || containerStrategy === 'MultiRecord'
          ? 'MultiRecord'
          : containerStrategy === 'SINGLE_RECORD' || containerStrategy === 'SingleRecord'
            ? 'SingleRecord'
            : DEFAULTS.batchStrategy,
  };
}

/** Throws SageMaker's error when a new job's settings break the documented limits. */
export function checkTransformLimits(input: Input): void {
  const concurrency = typeof input.MaxConcurrentTransforms === 'number' ? input.MaxConcurrentTransforms : 0;
  const payload = typeof input.MaxPayloadInMB === 'number' ? input.MaxPayloadInMB : undefined;
  if (payload !== undefined && payload > 100) {
    throw validationException(`MaxPayloadInMB must be less than or equal to 100, but was ${payload}.`);
  }
  if (concurrency > 0 && payload !== undefined && concurrency * payload > 100) {
    throw validationException(
      `The product of MaxConcurrentTransforms (${concurrency}) and MaxPayloadInMB (${payload}) must not exceed 100 MB.`,
    );
  }
}

/**
 * Refuses, when a job is created, the models whose batch transform the emulator does not run: a multi-container
 * model in Direct mode (the SageMaker docs cover batch transform of inference pipelines only, DG
 * inference-pipeline-batch) and a multi-model container.
 */
export function checkTransformModel(model: Input): void {
  if (invocationModeOf(model) === 'Direct') {
    throw notEmulated(
      `Batch transform of model ${String(model.ModelName)}, a multi-container model in Direct inference execution mode (InferenceExecutionConfig), is`,
    );
  }
  if (containerDeploySpecs(model).some((c) => c.mode === 'MultiModel')) {
    throw notEmulated(`Batch transform of model ${String(model.ModelName)}, a multi-model (Mode MultiModel) model, is`);
  }
}
