/**
 * CheckInstanceQuotas: RightSizeEndpoint's candidates held to the account's instance quotas before any is deployed.
 * SageMaker refuses an endpoint whose instances of one type would exceed the quota `<type> for endpoint usage`
 * (ResourceLimitExceeded; Service Quotas lists it under the service code `sagemaker`). So:
 *
 * - a candidate that needs more instances of a type than the quota allows could never deploy: refused here, naming
 *   the candidates' instance counts, the quota and its value, before anything is created;
 * - the candidates tested at once (the Map's MaxConcurrency, already bounded by the input) are bounded by each type's
 *   quota too: at most floor(quota / the most instances a candidate of the type needs), so that that many candidates
 *   of one type fit the quota together.
 *
 * Instances other endpoints of the account already run count against the quota as well; Service Quotas does not
 * report SageMaker's usage, so they are not subtracted: a candidate SageMaker then refuses is reported as not
 * deployed, with SageMaker's reason, and the run goes on. A type whose quota Service Quotas does not list bounds
 * nothing (recorded as null). Serverless candidates use no instance quota.
 */
import { InvalidInputError } from '../../contracts/errors.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The quota's name Service Quotas gives an instance type's endpoint usage. */
export function endpointUsageQuotaName(instanceType: string): string {
  return `${instanceType} for endpoint usage`;
}

/** The slice of the state document CheckInstanceQuotas reads: the plan's candidates and concurrency. */
export interface CheckInstanceQuotasState {
  plan: {
    candidates: {
      index: number;
      label: string;
      instanceType?: string | undefined;
      instanceCount?: number | undefined;
    }[];
    maxConcurrency: number;
  };
}
export const CheckInstanceQuotasState = stateSlice<CheckInstanceQuotasState>({
  plan: { candidates: 'array', maxConcurrency: 'number' },
});

/** What CheckInstanceQuotas needs from the outside. */
export interface CheckInstanceQuotasDeps {
  /** The account's quota values (instances) by quota name, of the service code `sagemaker` in this region. */
  sageMakerQuotas(): Promise<ReadonlyMap<string, number>>;
}

/** Per instance type of the candidates: its quota (null when Service Quotas lists none) and the most one needs. */
export interface InstanceQuotaCheck {
  instanceType: string;
  quota: number | null;
  mostInstancesOfACandidate: number;
  /** Candidates of this type that fit the quota at once (null: not bounded). */
  candidatesAtOnce: number | null;
}

/** The check of every instance type the candidates use, in the order they first appear. */
export function checkQuotas(
  candidates: CheckInstanceQuotasState['plan']['candidates'],
  quotas: ReadonlyMap<string, number>,
): InstanceQuotaCheck[] {
  const most = new Map<string, number>();
  for (const c of candidates) {
    if (c.instanceType === undefined) continue;
    most.set(c.instanceType, Math.max(most.get(c.instanceType) ?? 0, c.instanceCount ?? 1));
  }
  return [...most].map(([instanceType, mostInstancesOfACandidate]) => {
    const quota = quotas.get(endpointUsageQuotaName(instanceType)) ?? null;
    return {
      instanceType,
      quota,
      mostInstancesOfACandidate,
      candidatesAtOnce: quota === null ? null : Math.floor(quota / mostInstancesOfACandidate),
    };
  });
}

/** The CheckInstanceQuotas step: the plan with `maxConcurrency` bounded by the quotas and the quotas recorded. */
export async function checkInstanceQuotas<S extends CheckInstanceQuotasState>(state: S, deps: CheckInstanceQuotasDeps) {
  const needsInstances = state.plan.candidates.some((c) => c.instanceType !== undefined);
  const checks = needsInstances ? checkQuotas(state.plan.candidates, await deps.sageMakerQuotas()) : [];
  const short = checks.filter((c) => c.candidatesAtOnce === 0);
  if (short.length > 0) {
    const what = short
      .map(
        (c) =>
          `a candidate needs ${c.mostInstancesOfACandidate} ${c.instanceType} instances, over the account's quota '${endpointUsageQuotaName(c.instanceType)}' of ${c.quota}`,
      )
      .join('; ');
    throw new InvalidInputError(
      `Invalid RightSizeEndpoint input: candidates.instanceCounts: ${what} (Service Quotas, service code sagemaker), so SageMaker would refuse to deploy it: use fewer instances, or request a quota increase`,
    );
  }
  const bounds = checks.flatMap((c) => (c.candidatesAtOnce === null ? [] : [c.candidatesAtOnce]));
  const maxConcurrency = Math.min(state.plan.maxConcurrency, ...bounds);
  const instanceQuotas = Object.fromEntries(checks.map((c) => [c.instanceType, c.quota]));
  return { ...state, plan: { ...state.plan, maxConcurrency, instanceQuotas } };
}
