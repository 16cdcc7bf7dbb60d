import { HealthCheckFailedError, ModelNotReadyError } from '../../contracts/errors.ts';
import type { HealthCheckSample } from '../../contracts/parts/endpoint.ts';
import type { Invoke } from '../_shared/endpoint-runtime.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document WarmUpModel reads: the endpoint, a sample request, and the model placed. */
export interface WarmUpModelState {
  request: { endpointName: string; healthCheck: { samples: HealthCheckSample[] } };
  placed: { targetModel: string };
  /** Models warmed up before this one: the list HealthCheck reads. */
  warmedUp?: WarmedUp[] | undefined;
}
export const WarmUpModelState = stateSlice<WarmUpModelState>({
  request: { endpointName: 'string', healthCheck: { samples: 'array' } },
  placed: { targetModel: 'string' },
  warmedUp: optional('array'),
});

/** A model warmed up: its TargetModel and how long its first (cold) invocation took. */
interface WarmedUp {
  targetModel: string;
  coldMs: number;
}

/** What WarmUpModel needs from the outside. */
interface WarmUpModelDeps {
  invoke: Invoke;
  /** Milliseconds from a monotonic clock. */
  clock(): number;
}

/**
 * Invokes a multi-model endpoint's model once with the first health-check sample, so that the endpoint loads it,
 * and records how long that first (cold) invocation took. While SageMaker is still loading the model it answers
 * ModelNotReadyException: that is ModelNotReadyError, which the state machine retries, bounded. Any answer of the
 * container means the model is loaded (the health check judges answers); any other SageMaker error is a failure.
 * The model joins `warmedUp`, the models HealthCheck checks.
 */
export async function warmUpModel<S extends WarmUpModelState>(
  state: S,
  deps: WarmUpModelDeps,
): Promise<S & { warmUp: WarmedUp; warmedUp: WarmedUp[] }> {
  const { endpointName, healthCheck } = state.request;
  const { targetModel } = state.placed;
  const sample = healthCheck.samples[0];
  if (sample === undefined)
    throw new HealthCheckFailedError('Warming up needs a health-check sample, and none was given');
  const started = deps.clock();
  const result = await deps.invoke({
    endpointName,
    targetModel,
    body: sample.body,
    contentType: sample.contentType,
    ...(sample.accept !== undefined ? { accept: sample.accept } : {}),
  });
  const coldMs = Math.round(deps.clock() - started);
  if ('error' in result) {
    if (result.errorName === 'ModelNotReadyException') {
      throw new ModelNotReadyError(`Endpoint ${endpointName} is still loading ${targetModel}: ${result.error}`);
    }
    throw new HealthCheckFailedError(`Endpoint ${endpointName} did not load ${targetModel}: ${result.error}`);
  }
  const warmUp = { targetModel, coldMs };
  return { ...state, warmUp, warmedUp: [...(state.warmedUp ?? []), warmUp] };
}
