/**
 * GuardLiveTraffic: the live-traffic guard's second half (the first is LoadTestEndpoint's typed confirmation). A
 * load test sends real traffic, so it refuses an endpoint that served more than `maxRecentInvocations` in the
 * `lookbackMinutes` before the test (CloudWatch Invocations): such an endpoint may serve users. An endpoint this very
 * execution made to measure (RightSizeEndpoint's candidates: the throwaway tag, and the execution tag naming this
 * execution) is exempt, since the traffic it saw was the execution's own warm-up.
 */
import { InvalidInputError } from '../../contracts/errors.ts';
import type { TestedVariant } from '../_shared/load-test-state.ts';
import type { SageMakerGateway } from '../_shared/sagemaker.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import { TagKeys } from '../_shared/tags.ts';

/** The slice of the state document GuardLiveTraffic reads. */
export interface GuardLiveTrafficState {
  loadTest: {
    request: { endpointName: string; liveTrafficGuard: { lookbackMinutes: number; maxRecentInvocations: number } };
    endpointArn: string;
    variants: TestedVariant[];
  };
  execution: { id: string; name: string };
}
export const GuardLiveTrafficState = stateSlice<GuardLiveTrafficState>({
  loadTest: {
    request: {
      endpointName: 'string',
      liveTrafficGuard: { lookbackMinutes: 'number', maxRecentInvocations: 'number' },
    },
    endpointArn: 'string',
    variants: 'array',
  },
  execution: { id: 'string', name: 'string' },
});

/** What GuardLiveTraffic needs from the outside. */
interface GuardLiveTrafficDeps {
  sagemaker: Pick<SageMakerGateway, 'listTags'>;
  /** Invocations the variants served in the `minutes` before now (CloudWatch). */
  recentInvocations(endpointName: string, variantNames: readonly string[], minutes: number): Promise<number>;
}

/** The GuardLiveTraffic step: passes the state on, or refuses with InvalidInputError. */
export async function guardLiveTraffic<S extends GuardLiveTrafficState>(state: S, deps: GuardLiveTrafficDeps) {
  const { request, endpointArn, variants } = state.loadTest;
  const tags = await deps.sagemaker.listTags(endpointArn);
  const madeByThisExecution = [state.execution.name, state.execution.id].includes(tags[TagKeys.execution] ?? '');
  if (tags[TagKeys.throwaway] !== undefined && madeByThisExecution) return state;
  const { lookbackMinutes, maxRecentInvocations } = request.liveTrafficGuard;
  const names = variants.map((v) => v.variantName);
  const recent = await deps.recentInvocations(request.endpointName, names, lookbackMinutes);
  if (recent > maxRecentInvocations) {
    throw new InvalidInputError(
      `Invalid load test input: endpointName: endpoint ${request.endpointName} served ${recent} invocations in the last ${lookbackMinutes} minutes (liveTrafficGuard.maxRecentInvocations allows ${maxRecentInvocations}): it may be serving live traffic. Load-test an endpoint nobody uses, or raise the allowance if that traffic is yours`,
    );
  }
  return state;
}
