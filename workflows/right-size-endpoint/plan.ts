/**
 * RightSizeEndpoint's plan, made by its first state: the candidates the input's ranges expand to, each with its
 * throwaway endpoint's name, checked as DeployEndpoint and LoadTestEndpoint would check them, so that a candidate
 * either could refuse is refused before anything is created. The state document keeps one DeployEndpoint request
 * and one load-test request as templates (the candidates differ only in name, variant and environment, which
 * PrepareCandidate fills in), so the samples are held twice, not once per candidate.
 */
import { createHash } from 'node:crypto';
import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import { InvalidInputError } from '../../contracts/errors.ts';
import { MAX_INPUT_BYTES, RIGHT_SIZE } from '../../contracts/limits.ts';
import { patternSteps } from '../../contracts/load-pattern.ts';
import { parseInput } from '../../contracts/parse-input.ts';
import { LoadTestRequest } from '../../contracts/parts/load-test.ts';
import type { RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { DeployEndpointInput, type DeployEndpointRequest } from '../deploy-endpoint/contract.ts';
import type { RightSizeEndpointRequest } from './contract.ts';

/** The 8 hex characters that tell one execution's throwaway names from another's. */
export function executionHash(executionArn: string): string {
  return createHash('sha256').update(executionArn).digest('hex').slice(0, 8);
}

/** The part of every throwaway name of one execution: `<prefix>-rs-<hash>-`. */
function throwawayNameStem(prefix: string, executionArn: string): string {
  return `${prefix}-rs-${executionHash(executionArn)}-`;
}

/** Every combination of the environment ranges, in the order the ranges and their values are written. */
export function environmentCombinations(ranges: Readonly<Record<string, readonly string[]>>): Record<string, string>[] {
  let combinations: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(ranges)) {
    combinations = combinations.flatMap((combination) => values.map((value) => ({ ...combination, [name]: value })));
  }
  return combinations;
}

function environmentLabel(environment: Readonly<Record<string, string>>): string {
  return Object.entries(environment)
    .map(([name, value]) => `, ${name}=${value}`)
    .join('');
}

/** The candidates the ranges expand to: instance types × counts × environments, then serverless sizes × environments. */
function expandCandidates(request: RightSizeEndpointRequest, executionArn: string): RightSizeCandidate[] {
  const stem = throwawayNameStem(request.endpointNamePrefix, executionArn);
  const environments = environmentCombinations(request.candidates.environmentRanges);
  const candidates: RightSizeCandidate[] = [];
  const add = (candidate: Omit<RightSizeCandidate, 'index' | 'endpointName'>) => {
    const index = candidates.length;
    candidates.push({ index, endpointName: `${stem}${index}`, ...candidate });
  };
  for (const instanceType of request.candidates.instanceTypes) {
    for (const instanceCount of request.candidates.instanceCounts) {
      for (const environment of environments) {
        add({
          label: `${instanceType} × ${instanceCount}${environmentLabel(environment)}`,
          instanceType,
          instanceCount,
          environment,
        });
      }
    }
  }
  for (const memorySizeInMB of request.candidates.serverlessMemorySizesInMB) {
    for (const environment of environments) {
      add({
        label: `serverless ${memorySizeInMB} MB${environmentLabel(environment)}`,
        serverless: { memorySizeInMB, maxConcurrency: request.candidates.serverlessMaxConcurrency },
        environment,
      });
    }
  }
  return candidates;
}

/** The DeployEndpoint input of one candidate (before DeployEndpoint's defaults). */
function candidateDeployInput(request: RightSizeEndpointRequest, candidate: RightSizeCandidate) {
  const inline = request.samples.flatMap((s) =>
    s.body !== undefined
      ? [{ body: s.body, contentType: s.contentType, ...(s.accept !== undefined ? { accept: s.accept } : {}) }]
      : [],
  );
  const environment = { ...(request.model.environment ?? {}), ...candidate.environment };
  return {
    endpointName: candidate.endpointName,
    model: {
      ...request.model,
      ...(Object.keys(environment).length > 0 && request.model.modelPackageArn === undefined ? { environment } : {}),
    },
    variants: [
      candidate.serverless !== undefined
        ? { name: 'AllTraffic', serverless: candidate.serverless }
        : { name: 'AllTraffic', instanceType: candidate.instanceType, initialInstanceCount: candidate.instanceCount },
    ],
    // The warm-up: DeployEndpoint's health check sends the inline samples, and the deployment fails if they fail.
    healthCheck: { samples: inline, invocations: Math.max(request.warmUpInvocations, inline.length) },
    onFailure: 'rollback',
    retainVersions: 1,
    tags: request.tags,
    wait: request.wait,
  };
}

/** The load test of one candidate (LoadTestEndpoint's request, without the confirmation it does not need). */
function candidateLoadTest(request: RightSizeEndpointRequest, candidate: RightSizeCandidate) {
  return {
    endpointName: candidate.endpointName,
    samples: request.samples,
    pattern: request.pattern,
    stoppingConditions: request.stoppingConditions,
    caps: request.caps,
    options: request.options,
    // The guard lets the candidate through by its throwaway and execution tags; nothing else may have served it.
    liveTrafficGuard: { lookbackMinutes: 10, maxRecentInvocations: 0 },
  };
}

/** The plan the first state hands on. */
interface RightSizePlan {
  candidates: RightSizeCandidate[];
  /** `<prefix>-rs-<hash>-`: what the execution-wide cleanup deletes (with the execution's tag). */
  nameStem: string;
  maxConcurrency: number;
  /** Candidate 0's requests, which PrepareCandidate adapts to each candidate. */
  deployTemplate: DeployEndpointRequest;
  loadTestTemplate: LoadTestRequest;
}

/** The plan, or InvalidInputError naming the candidate and the field its DeployEndpoint or load-test input breaks. */
function planRightSize(request: RightSizeEndpointRequest, execution: ExecutionFacts): RightSizePlan {
  const candidates = expandCandidates(request, execution.id);
  let deployTemplate: DeployEndpointRequest | undefined;
  let loadTestTemplate: LoadTestRequest | undefined;
  for (const candidate of candidates) {
    const what = `RightSizeEndpoint input: candidate ${candidate.index} (${candidate.label}) as DeployEndpoint input`;
    const deploy = parseInput(DeployEndpointInput, candidateDeployInput(request, candidate), what);
    const loadTest = parseInput(
      LoadTestRequest,
      candidateLoadTest(request, candidate),
      `RightSizeEndpoint input: candidate ${candidate.index} (${candidate.label}) as load test`,
    );
    deployTemplate ??= deploy;
    loadTestTemplate ??= loadTest;
  }
  if (deployTemplate === undefined || loadTestTemplate === undefined) {
    throw new InvalidInputError('Invalid RightSizeEndpoint input: candidates: expected at least one candidate');
  }
  return {
    candidates,
    nameStem: throwawayNameStem(request.endpointNamePrefix, execution.id),
    maxConcurrency: Math.min(request.maxConcurrency, RIGHT_SIZE.maxConcurrentCandidates, candidates.length),
    deployTemplate,
    loadTestTemplate,
  };
}

/**
 * Bytes one step of one candidate adds to the state once measured (a CandidateStepPoint, about 250 bytes of JSON,
 * with room): the Map's result holds every candidate's steps.
 */
const MEASURED_STEP_BYTES = 400;

/**
 * The first state's output, without the parts of the request the templates already hold (model, samples): a
 * state document that stays within 256 KiB once every candidate's figures are added, or InvalidInputError
 * naming the samples, which make up most of it.
 */
export function rightSizeState(request: RightSizeEndpointRequest, execution: ExecutionFacts) {
  const plan = planRightSize(request, execution);
  const { model: _model, samples: _samples, ...rest } = request;
  const state = { request: rest, execution, plan };
  const bytes = Buffer.byteLength(JSON.stringify(state));
  const measured = plan.candidates.length * (patternSteps(request.pattern).length + 2) * MEASURED_STEP_BYTES;
  if (bytes + measured > MAX_INPUT_BYTES) {
    throw new InvalidInputError(
      `Invalid RightSizeEndpoint input: samples: the inline samples are held twice while the candidates run (load test and warm-up), which makes ${bytes} bytes of state, and the ${plan.candidates.length} candidates' figures need about ${measured} more; Step Functions allows ${MAX_INPUT_BYTES} (256 KiB): use smaller samples or an s3Prefix, or fewer candidates or steps`,
    );
  }
  return state;
}
