import type { HealthCheckSample } from '../../contracts/parts/endpoint.ts';
import type { Invoke } from '../_shared/endpoint-runtime.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ProbeComponent reads. */
export interface ProbeComponentState {
  request: {
    endpointName: string;
    component: { name: string };
    probe: Pick<HealthCheckSample, 'body' | 'contentType' | 'accept'>;
  };
}
export const ProbeComponentState = stateSlice<ProbeComponentState>({
  request: { endpointName: 'string', component: { name: 'string' }, probe: 'object' },
});

/** How the endpoint answers a component's name after its removal: refused (with SageMaker's error), or served. */
type ProbeAnswer = { answer: 'refused'; errorName: string; error: string } | { answer: 'served'; status: number };

/** Invokes the endpoint once with the component's name and reports how it answered (a refusal is the goal). */
export async function probeComponent<S extends ProbeComponentState>(state: S, deps: { invoke: Invoke }) {
  const { endpointName, component, probe } = state.request;
  const result = await deps.invoke({
    endpointName,
    inferenceComponentName: component.name,
    body: probe.body,
    contentType: probe.contentType,
    ...(probe.accept !== undefined ? { accept: probe.accept } : {}),
  });
  const probed: ProbeAnswer =
    'errorName' in result
      ? { answer: 'refused', errorName: result.errorName, error: result.error }
      : { answer: 'served', status: result.status };
  return { ...state, probe: probed };
}
