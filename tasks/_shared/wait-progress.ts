import type { WaitProgress } from '../../contracts/contract-parts.ts';
import { DeploymentTimeoutError } from '../../contracts/errors.ts';
import type { WaitPolicy } from '../../contracts/parts/endpoint.ts';

/** Endpoint statuses that are still moving; anything else is settled. */
export const TRANSITIONAL_STATUSES: ReadonlySet<string> = new Set([
  'Creating',
  'Updating',
  'SystemUpdating',
  'RollingBack',
  'Deleting',
]);

/** The first wait of a new wait loop, with its deadline. */
export function startWaiting(policy: WaitPolicy, now: Date): WaitProgress {
  return {
    attempt: 0,
    seconds: policy.initialIntervalSeconds,
    deadline: new Date(now.getTime() + policy.timeoutMinutes * 60_000).toISOString(),
  };
}

/**
 * The next wait: doubled, capped at the policy's maximum and at the time left. Past the deadline the resource
 * has taken too long: `timeoutError` (by default DeploymentTimeoutError) says so.
 */
export function nextWait(
  progress: WaitProgress,
  policy: WaitPolicy,
  now: Date,
  describe: () => string,
  timeoutError: (message: string) => Error = (message) => new DeploymentTimeoutError(message),
): WaitProgress {
  const remainingSeconds = Math.floor((Date.parse(progress.deadline) - now.getTime()) / 1000);
  if (remainingSeconds <= 0) {
    throw timeoutError(`${describe()} after ${policy.timeoutMinutes} minutes (deadline ${progress.deadline})`);
  }
  const attempt = progress.attempt + 1;
  const backoff = Math.min(policy.initialIntervalSeconds * 2 ** attempt, policy.maxIntervalSeconds);
  return { attempt, seconds: Math.max(1, Math.min(backoff, remainingSeconds)), deadline: progress.deadline };
}
