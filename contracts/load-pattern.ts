/**
 * The steps of a load test's traffic pattern, as the contract checks them and the load-test steps run them. Plain
 * code, no zod: a step's bundle may import it.
 */

/** A traffic pattern as the contract gives it: phases (Inference Recommender's) or stairs. */
export interface PatternInput {
  readonly phases?: readonly { initialUsers: number; spawnRate: number; durationSeconds: number }[] | undefined;
  readonly stairs?: { usersPerStep: number; steps: number; stepSeconds: number } | undefined;
}

/** One step of a pattern: the users it starts with, those it adds per minute, the most it reaches, how long it runs. */
export interface PatternStep {
  readonly users: number;
  readonly initialUsers: number;
  /** Users added per minute (Inference Recommender's SpawnRate). */
  readonly spawnRate: number;
  readonly durationSeconds: number;
}

/** The steps of a pattern, in order: each phase, or each stair (stair k, 1-based, runs k × usersPerStep users). */
export function patternSteps(pattern: PatternInput): PatternStep[] {
  if (pattern.stairs !== undefined) {
    const { usersPerStep, steps, stepSeconds } = pattern.stairs;
    return Array.from({ length: steps }, (_, k) => ({
      users: (k + 1) * usersPerStep,
      initialUsers: (k + 1) * usersPerStep,
      spawnRate: 0,
      durationSeconds: stepSeconds,
    }));
  }
  return (pattern.phases ?? []).map((phase) => ({
    users: phase.initialUsers + Math.floor((phase.spawnRate * phase.durationSeconds) / 60),
    initialUsers: phase.initialUsers,
    spawnRate: phase.spawnRate,
    durationSeconds: phase.durationSeconds,
  }));
}

/**
 * When (seconds after its step began) each user of a step starts: the initial users at once, then one every
 * 60 / spawnRate seconds, the n-th added user at n × 60 / spawnRate.
 */
export function userStartSecond(step: PatternStep, user: number): number {
  if (user < step.initialUsers || step.spawnRate === 0) return 0;
  return ((user - step.initialUsers + 1) * 60) / step.spawnRate;
}
