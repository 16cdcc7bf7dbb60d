/**
 * PrepareCandidate: the state document of one RightSizeEndpoint candidate, made from the plan's templates (one
 * DeployEndpoint request and one load-test request, both checked and with their defaults applied by the first
 * state): the candidate's throwaway name, its variant and its environment filled in. What DeployEndpoint's steps
 * read (`request`, `execution`) and what the load-test steps read (`loadTest.request`), plus `throwaway`, which
 * makes the deployment tag what it creates with the execution's ARN and the throwaway tag.
 */
import type { RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import type { ThrowawayKind } from '../_shared/tags.ts';

/** The slice of a DeployEndpoint request PrepareCandidate changes; the rest is carried as it is. */
interface DeployTemplate {
  endpointName: string;
  model: { environment?: Record<string, string> | undefined; modelPackageArn?: string | undefined };
  variants: Record<string, unknown>[];
}

/** The slice of the state document PrepareCandidate reads (the Map's item selector builds it). */
export interface PrepareCandidateState {
  candidate: RightSizeCandidate;
  deployTemplate: DeployTemplate;
  loadTestTemplate: { endpointName: string };
  execution: { id: string; name: string; startedAt: string };
}
export const PrepareCandidateState = stateSlice<PrepareCandidateState>({
  candidate: { index: 'number', label: 'string', endpointName: 'string', environment: 'object' },
  deployTemplate: { endpointName: 'string', model: 'object', variants: 'array' },
  loadTestTemplate: { endpointName: 'string' },
  execution: { id: 'string', name: 'string', startedAt: 'string' },
} as never);

/** The candidate's variant, as DeployEndpoint's request holds one (defaults applied). */
function variantOf(candidate: RightSizeCandidate, template: Record<string, unknown>): Record<string, unknown> {
  const { instanceType: _type, initialInstanceCount: _count, serverless: _serverless, ...shared } = template;
  return candidate.serverless !== undefined
    ? { ...shared, initialInstanceCount: 1, serverless: candidate.serverless }
    : { ...shared, instanceType: candidate.instanceType, initialInstanceCount: candidate.instanceCount };
}

/** The PrepareCandidate step. */
export async function prepareCandidate(state: PrepareCandidateState) {
  const { candidate, deployTemplate, loadTestTemplate, execution } = state;
  const { environment: templateEnvironment, ...model } = deployTemplate.model;
  // The template is candidate 0's: its environment is the model's own with candidate 0's values on top.
  const environment = { ...(templateEnvironment ?? {}), ...candidate.environment };
  const throwaway: ThrowawayKind = 'right-size';
  return {
    candidate,
    execution,
    throwaway,
    request: {
      ...deployTemplate,
      endpointName: candidate.endpointName,
      model: {
        ...model,
        ...(Object.keys(environment).length > 0 && model.modelPackageArn === undefined ? { environment } : {}),
      },
      variants: [variantOf(candidate, deployTemplate.variants[0] ?? {})],
    },
    loadTest: { request: { ...loadTestTemplate, endpointName: candidate.endpointName } },
  };
}
