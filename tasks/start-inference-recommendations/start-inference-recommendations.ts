/**
 * StartInferenceRecommendations: RightSizeEndpoint's `engine: "inference-recommender"` (AWS only). Starts one
 * CreateInferenceRecommendationsJob of JobType Advanced over the same candidates (API
 * API_CreateInferenceRecommendationsJob): the model package, one EndpointConfiguration per instance type and per
 * serverless memory size with the environment ranges as CategoricalParameterRanges, the traffic pattern as PHASES
 * or STAIRS, the latency threshold as ModelLatencyThresholds and MaxInvocations, and the concurrency bound as
 * ResourceLimit. The job is tagged like the load-test engine's throwaways. The local emulator does not emulate
 * Inference Recommender and refuses the call.
 */
import type { TagMap } from '../../contracts/contract-parts.ts';
import type { RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { stateSlice } from '../_shared/state-slice.ts';
import { TagKeys } from '../_shared/tags.ts';

/** The slice of the state document StartInferenceRecommendations reads. */
export interface StartInferenceRecommendationsState {
  request: {
    candidates: { environmentRanges: Record<string, string[]> };
    pattern: {
      phases?: { initialUsers: number; spawnRate: number; durationSeconds: number }[] | undefined;
      stairs?: { usersPerStep: number; steps: number; stepSeconds: number } | undefined;
    };
    stoppingConditions: {
      latencyThreshold?: { percentile: string; valueMs: number } | undefined;
      maxInvocations?: number | undefined;
    };
    maxConcurrency: number;
    tags: TagMap;
  };
  plan: { candidates: RightSizeCandidate[]; nameStem: string; deployTemplate: { model: { modelPackageArn?: string } } };
  execution: { id: string };
}
export const StartInferenceRecommendationsState = stateSlice<StartInferenceRecommendationsState>({
  request: {
    candidates: { environmentRanges: 'object' },
    pattern: 'object',
    stoppingConditions: 'object',
    maxConcurrency: 'number',
    tags: 'object',
  },
  plan: { candidates: 'array', nameStem: 'string', deployTemplate: { model: 'object' } },
  execution: { id: 'string' },
} as never);

/** CreateInferenceRecommendationsJob's request, as the SDK takes it. */
interface RecommendationsJobRequest {
  JobName: string;
  JobType: 'Advanced';
  RoleArn: string;
  InputConfig: Record<string, unknown>;
  StoppingConditions?: Record<string, unknown>;
  Tags: { Key: string; Value: string }[];
}

/** The job's request for the plan's candidates. */
function recommendationsJobRequest(
  state: StartInferenceRecommendationsState,
  roleArn: string,
): RecommendationsJobRequest {
  const { request, plan } = state;
  const ranges = Object.entries(request.candidates.environmentRanges).map(([Name, Value]) => ({ Name, Value }));
  const environment = ranges.length > 0 ? { EnvironmentParameterRanges: { CategoricalParameterRanges: ranges } } : {};
  const configurations = new Map<string, Record<string, unknown>>();
  for (const c of plan.candidates) {
    if (c.instanceType !== undefined)
      configurations.set(c.instanceType, { InstanceType: c.instanceType, ...environment });
    else if (c.serverless !== undefined) {
      configurations.set(`serverless-${c.serverless.memorySizeInMB}`, {
        ServerlessConfig: { MemorySizeInMB: c.serverless.memorySizeInMB, MaxConcurrency: c.serverless.maxConcurrency },
        ...environment,
      });
    }
  }
  const { pattern, stoppingConditions } = request;
  const trafficPattern =
    pattern.stairs !== undefined
      ? {
          TrafficType: 'STAIRS',
          Stairs: {
            DurationInSeconds: pattern.stairs.stepSeconds,
            NumberOfSteps: pattern.stairs.steps,
            UsersPerStep: pattern.stairs.usersPerStep,
          },
        }
      : {
          TrafficType: 'PHASES',
          Phases: (pattern.phases ?? []).map((p) => ({
            InitialNumberOfUsers: p.initialUsers,
            SpawnRate: p.spawnRate,
            DurationInSeconds: p.durationSeconds,
          })),
        };
  const threshold = stoppingConditions.latencyThreshold;
  return {
    JobName: `${plan.nameStem}ir`,
    JobType: 'Advanced',
    RoleArn: roleArn,
    InputConfig: {
      ModelPackageVersionArn: plan.deployTemplate.model.modelPackageArn,
      TrafficPattern: trafficPattern,
      ResourceLimit: { MaxNumberOfTests: plan.candidates.length, MaxParallelOfTests: request.maxConcurrency },
      EndpointConfigurations: [...configurations.values()],
    },
    StoppingConditions: {
      ...(stoppingConditions.maxInvocations !== undefined ? { MaxInvocations: stoppingConditions.maxInvocations } : {}),
      ...(threshold !== undefined
        ? { ModelLatencyThresholds: [{ Percentile: threshold.percentile, ValueInMilliseconds: threshold.valueMs }] }
        : {}),
    },
    Tags: Object.entries({
      ...request.tags,
      [TagKeys.execution]: state.execution.id,
      [TagKeys.throwaway]: 'right-size',
    }).map(([Key, Value]) => ({ Key, Value })),
  };
}

/** The StartInferenceRecommendations step: the job started, and the first wait before it is described. */
export async function startInferenceRecommendations<S extends StartInferenceRecommendationsState>(
  state: S,
  deps: { roleArn: string; createJob(request: RecommendationsJobRequest): Promise<string> },
) {
  const request = recommendationsJobRequest(state, deps.roleArn);
  const jobArn = await deps.createJob(request);
  return {
    ...state,
    inferenceRecommenderJob: { jobName: request.JobName, jobArn },
    recommenderStatus: { status: 'PENDING', settled: false, waitSeconds: 60 },
  };
}
