import type { RemovalCheck } from '../../contracts/parts/multi-model.ts';
import type { Invoke } from '../_shared/endpoint-runtime.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The request sent to a removed model to see how the endpoint answers. */
export interface Probe {
  body: string;
  contentType: string;
  accept?: string | undefined;
}

/** The slice of the state document VerifyModelRemoved reads: the endpoint, the probe, and what was deleted. */
export interface VerifyModelRemovedState {
  request: { endpointName: string; probe: Probe };
  deleted: { targetModel: string };
}
export const VerifyModelRemovedState = stateSlice<VerifyModelRemovedState>({
  request: { endpointName: 'string', probe: { body: 'string', contentType: 'string', accept: optional('string') } },
  deleted: { targetModel: 'string' },
});

/** What VerifyModelRemoved needs from the outside. */
interface VerifyModelRemovedDeps {
  invoke: Invoke;
}

/**
 * Invokes the removed model once. SageMaker loads a multi-model endpoint's models from S3 on demand, so once the
 * object is gone a new invocation fails with SageMaker's error when it has to load it; but a copy already loaded
 * on an instance may keep answering until the endpoint unloads it (memory pressure, or ModelCacheSetting
 * Disabled). Both are reported as they are; neither fails the removal.
 */
export async function verifyModelRemoved<S extends VerifyModelRemovedState>(
  state: S,
  deps: VerifyModelRemovedDeps,
): Promise<S & { removal: RemovalCheck }> {
  const { endpointName, probe } = state.request;
  const { targetModel } = state.deleted;
  const result = await deps.invoke({
    endpointName,
    targetModel,
    body: probe.body,
    contentType: probe.contentType,
    ...(probe.accept !== undefined ? { accept: probe.accept } : {}),
  });
  const removal: RemovalCheck =
    'error' in result
      ? { newInvocations: 'refused', detail: result.error }
      : {
          newInvocations: 'still-loaded',
          detail:
            `A loaded copy of ${targetModel} answered (status ${result.status}); it keeps serving until the ` +
            'endpoint unloads it, and every load after that fails',
        };
  return { ...state, removal };
}
