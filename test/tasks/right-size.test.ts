/**
 * The right-sizing arithmetic (tasks/recommend-right-size/recommendation.ts) and the plan of candidates
 * (workflows/right-size-endpoint/plan.ts), checked by hand-computed figures.
 */
import { describe, expect, it } from 'vitest';
import { HOSTING_PRICE_SOURCES, HOSTING_PRICES } from '../../contracts/parts/hosting-prices.ts';
import { HOSTING_INSTANCE_TYPES } from '../../contracts/parts/instance-type-values.ts';
import type { MeasuredCandidate, RightSizeCandidate } from '../../contracts/parts/right-size.ts';
import { ownershipTags } from '../../tasks/_shared/tags.ts';
import { deleteThrowaways, isThrowawayOf } from '../../tasks/delete-throwaways/delete-throwaways.ts';
import { prepareCandidate } from '../../tasks/prepare-candidate/prepare-candidate.ts';
import { recommendRightSize } from '../../tasks/recommend-right-size/recommend-right-size.ts';
import {
  costCandidate,
  rankCandidates,
  recommend,
  resolvePrices,
} from '../../tasks/recommend-right-size/recommendation.ts';
import { DeployEndpointInput } from '../../workflows/deploy-endpoint/contract.ts';
import { RightSizeEndpointInput } from '../../workflows/right-size-endpoint/contract.ts';
import { environmentCombinations, rightSizeState } from '../../workflows/right-size-endpoint/plan.ts';
import { FakeSageMaker } from './fakes.ts';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/linear:1';

const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:RightSizeEndpoint:run-1',
  name: 'run-1',
  startedAt: '2026-12-06T15:00:00Z',
};

const latency = (ms: number) => ({ p50: ms, p90: ms, p95: ms, p99: ms, min: ms, max: ms, mean: ms });

function measured(candidate: Partial<RightSizeCandidate>, maxInvocations: number | null, ms = 40): MeasuredCandidate {
  return {
    candidate: {
      index: 0,
      label: 'c',
      endpointName: 'e',
      environment: {},
      ...candidate,
    },
    outcome: maxInvocations === null ? 'noPassingStep' : 'tested',
    maxInvocations,
    latencyMs: maxInvocations === null ? null : latency(ms),
    modelLatencyMs: maxInvocations === null ? null : ms,
    cpuUtilization: null,
    memoryUtilization: null,
    steps: [],
  };
}

const TARGET = {
  requestsPerSecond: 100,
  safetyFactor: 0.5,
  latencyThreshold: { percentile: 'P95' as const, valueMs: 100 },
};

describe('the right-sizing arithmetic', () => {
  it('costs an instance candidate as Inference Recommender does and sizes it for the target at the safety factor', () => {
    // 2 × ml.c5.large sustained 4,800 a minute: 80/s, 40/s per instance; each planned at 20/s, so 100/s needs 5.
    const m = measured({ instanceType: 'ml.c5.large', instanceCount: 2 }, 4800);
    const prices = resolvePrices('us-east-1', undefined, [m]);
    const c = costCandidate(m, prices, TARGET);
    expect(c.requestsPerSecond).toBe(80);
    expect(c.requestsPerSecondPerInstance).toBe(40);
    expect(c.costPerHour).toBeCloseTo(0.204, 10);
    // CostPerInference = CostPerHour / (MaxInvocations × 60) = 0.204 / 288,000.
    expect(c.costPerInference).toBeCloseTo(0.204 / 288_000, 15);
    expect(c.costPerMillionInferences).toBeCloseTo((0.204 / 288_000) * 1e6, 9);
    expect(c.instanceCountForTarget).toBe(5);
    expect(c.costPerHourAtTarget).toBeCloseTo(5 * 0.102, 10);
    expect(c.meetsTarget).toBe(true);
  });

  it('costs a serverless candidate by GB-second of its latency, and sizes its concurrency by Little’s law', () => {
    // 2 GB, 40 ms a request: 0.04 × 2 × 0.00002 $ per inference; 100/s × 0.04 s / 0.5 = 8 concurrent.
    const m = measured({ serverless: { memorySizeInMB: 2048, maxConcurrency: 20 } }, 1200, 40);
    const c = costCandidate(m, resolvePrices('us-east-1', undefined, [m]), TARGET);
    expect(c.costPerInference).toBeCloseTo(0.04 * 2 * 0.00002, 15);
    expect(c.costPerHourAtTarget).toBeCloseTo(0.04 * 2 * 0.00002 * 100 * 3600, 10);
    expect(c.serverlessConcurrencyForTarget).toBe(8);
    expect(c.instanceCountForTarget).toBeNull();
    expect(c.meetsTarget).toBe(true);
  });

  it('takes the input’s prices over the table and says which were whose', () => {
    const a = measured({ instanceType: 'ml.c5.large', instanceCount: 1 }, 600);
    const b = measured({ index: 1, instanceType: 'ml.m5.large', instanceCount: 1 }, 600);
    const prices = resolvePrices('us-east-1', { instanceHour: { 'ml.m5.large': 0.05 } }, [a, b]);
    expect(prices.instanceHour('ml.m5.large')).toBe(0.05);
    expect(prices.instanceHour('ml.c5.large')).toBe(0.102);
    expect(prices.source).toMatchObject({ kind: 'mixed', overridden: ['ml.m5.large'], unpriced: [] });
    const unknownRegion = resolvePrices('ap-south-2', undefined, [a]);
    expect(unknownRegion.source).toMatchObject({ kind: 'table', unpriced: ['ml.c5.large'] });
    expect(costCandidate(a, unknownRegion, TARGET).costPerHour).toBeNull();
    expect(costCandidate(a, unknownRegion, TARGET).price).toEqual({
      basis: 'none',
      usd: null,
      unit: 'instance-hour',
      sources: [],
    });
  });

  it('says per candidate whether its price is sourced, and by which sources, an estimate or the input’s', () => {
    const c5 = measured({ instanceType: 'ml.c5.large', instanceCount: 1 }, 600);
    const m5 = measured({ index: 1, instanceType: 'ml.m5.xlarge', instanceCount: 1 }, 600);
    const g5 = measured({ index: 2, instanceType: 'ml.g5.xlarge', instanceCount: 1 }, 600);
    const sl = measured({ index: 3, serverless: { memorySizeInMB: 2048, maxConcurrency: 20 } }, 600);
    const prices = resolvePrices('us-east-1', { instanceHour: { 'ml.g5.xlarge': 1.2 } }, [c5, m5, g5, sl]);

    expect(costCandidate(c5, prices, TARGET).price).toEqual({
      basis: 'sourced',
      usd: 0.102,
      unit: 'instance-hour',
      sources: ['awsSamplesServerlessBenchmark'],
    });
    expect(costCandidate(m5, prices, TARGET).price).toEqual({
      basis: 'estimate',
      usd: 0.23,
      unit: 'instance-hour',
      sources: [],
    });
    expect(costCandidate(g5, prices, TARGET).price).toEqual({
      basis: 'input',
      usd: 1.2,
      unit: 'instance-hour',
      sources: [],
    });
    expect(costCandidate(sl, prices, TARGET).price).toMatchObject({
      basis: 'sourced',
      usd: 0.00002,
      unit: 'GB-second',
    });
    expect(prices.source).toMatchObject({
      kind: 'mixed',
      overridden: ['ml.g5.xlarge'],
      sourced: ['ml.c5.large', 'serverless'],
      estimated: ['ml.m5.xlarge'],
      unpriced: [],
    });
    // Each cited source once, with where to read it and the date and region it states.
    expect(prices.source.sources).toEqual([
      {
        id: 'awsSamplesServerlessBenchmark',
        publisher: 'AWS',
        title: 'aws-samples/sagemaker-serverless-inference-benchmarking, price constants (cost_constants.py)',
        url: 'https://github.com/aws-samples/sagemaker-serverless-inference-benchmarking/blob/cb0028576fe60e4704526a46368cbd53851eebc7/src/sm_serverless_benchmarking/cost_constants.py',
        date: '2022-08-05',
        region: null,
      },
    ]);
  });

  it('prices only types SageMaker hosts, and cites every source it lists', () => {
    const table = HOSTING_PRICES['us-east-1'];
    const types = Object.keys(table?.instanceHour ?? {});
    expect(types.filter((t) => !(HOSTING_INSTANCE_TYPES as readonly string[]).includes(t))).toEqual([]);
    const cited = new Set(
      [...Object.values(table?.instanceHour ?? {}), table?.serverlessGbSecond].flatMap((p) => p?.sources ?? []),
    );
    expect(Object.keys(HOSTING_PRICE_SOURCES).filter((id) => !cited.has(id as never))).toEqual([]);
  });

  it('backs a figure in a region only with sources that state that region or none', () => {
    // AWS's LLMeter test states us-east-1 for ml.g5.4xlarge; in us-west-2 the same figure is an estimate.
    const g5 = measured({ instanceType: 'ml.g5.4xlarge', instanceCount: 1 }, 600);
    const east = resolvePrices('us-east-1', undefined, [g5]);
    const west = resolvePrices('us-west-2', undefined, [g5]);
    expect(costCandidate(g5, east, TARGET).price).toMatchObject({
      basis: 'sourced',
      sources: ['awsLlmeterPriceListTest'],
    });
    expect(costCandidate(g5, west, TARGET).price).toMatchObject({ basis: 'estimate', usd: 2.03, sources: [] });
    expect(west.source).toMatchObject({ sourced: [], estimated: ['ml.g5.4xlarge'], sources: [] });
    // A source that states no region backs its figures in both.
    const c5 = measured({ instanceType: 'ml.c5.xlarge', instanceCount: 1 }, 600);
    expect(costCandidate(c5, resolvePrices('us-west-2', undefined, [c5]), TARGET).price.sources).toEqual([
      'awsDgInstanceRecommendation',
      'awsDgNeoCompilation',
      'awsSamplesServerlessBenchmark',
    ]);
  });

  it('ranks by cost at the target, puts candidates without figures last, and recommends the first that meets it', () => {
    const candidates = [
      // 20/s per c5.large: 10 instances at 0.102 = 1.02 $/h.
      measured({ index: 0, label: 'c5 w1', instanceType: 'ml.c5.large', instanceCount: 1 }, 1200),
      // 40/s per c5.large: 5 at 0.102 = 0.51 $/h.
      measured({ index: 1, label: 'c5 w2', instanceType: 'ml.c5.large', instanceCount: 1 }, 2400),
      // 40/s per m5.large: 5 at 0.115 = 0.575 $/h.
      measured({ index: 2, label: 'm5 w2', instanceType: 'ml.m5.large', instanceCount: 1 }, 2400),
      measured({ index: 3, label: 'broken', instanceType: 'ml.m5.large', instanceCount: 1 }, null),
    ];
    const prices = resolvePrices('us-east-1', undefined, candidates);
    const ranked = rankCandidates(candidates.map((m) => costCandidate(m, prices, TARGET)));
    expect(ranked.map((c) => [c.label, c.rank])).toEqual([
      ['c5 w2', 1],
      ['m5 w2', 2],
      ['c5 w1', 3],
      ['broken', null],
    ]);
    expect(ranked[3]?.notMeetingBecause).toContain('no step met the stopping conditions');
    const template = {
      model: { image: IMAGE, modelDataUrl: 's3://my-models/model.tar.gz', environment: { A: '1' } },
      healthCheck: {
        samples: [{ body: '1,2', contentType: 'text/csv', expectedStatus: 200 }],
        concurrency: 1,
        minSuccessRate: 1,
      },
    };
    const { recommendation } = recommend(ranked, TARGET, template, 'churn');
    expect(recommendation).toMatchObject({ candidateIndex: 1, instanceType: 'ml.c5.large', instanceCount: 5 });
    // 40/s × 0.5 × 60 = 1,200 invocations per instance per minute.
    expect(recommendation?.invocationsPerInstanceTarget).toBe(1200);
    expect(recommendation?.deployEndpointInput.autoScaling).toEqual({
      AllTraffic: {
        minCapacity: 5,
        maxCapacity: 10,
        targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 1200 },
      },
    });
    expect(DeployEndpointInput.safeParse(recommendation?.deployEndpointInput).success).toBe(true);
  });

  it('recommends nothing, saying why, when no candidate has a passing step', async () => {
    const report = await recommendRightSize(
      recommendationState(measured({ instanceType: 'ml.c5.large', instanceCount: 1 }, null)),
      { region: 'us-east-1', local: false },
    );
    expect(report.recommendation).toBeNull();
    expect(report.noRecommendationBecause).toContain('no candidate meets the target');
    expect(report.candidates[0]?.rank).toBeNull();
  });

  it('notes when the recommended candidate is priced at one of the table’s estimates', async () => {
    const deps = { region: 'us-east-1', local: false };
    const estimated = await recommendRightSize(
      recommendationState(measured({ instanceType: 'ml.m5.xlarge', instanceCount: 1 }, 1200)),
      deps,
    );
    expect(estimated.recommendation?.instanceType).toBe('ml.m5.xlarge');
    expect(estimated.notes).toContain(
      "The recommendation rests on an estimated price: c is priced at the table's estimate of 0.23 USD per instance-hour, which no public source confirmed; check it, or give it in prices.",
    );
    const sourced = await recommendRightSize(
      recommendationState(measured({ instanceType: 'ml.c5.large', instanceCount: 1 }, 1200)),
      deps,
    );
    expect(sourced.recommendation?.instanceType).toBe('ml.c5.large');
    expect(sourced.notes.some((n) => n.includes('estimated price'))).toBe(false);
  });
});

/** The state RecommendRightSize reads, with one measured candidate, for a target of 10/s at a safety factor of 0.5. */
function recommendationState(candidate: MeasuredCandidate) {
  return {
    request: {
      endpointNamePrefix: 'churn',
      targetRequestsPerSecond: 10,
      safetyFactor: 0.5,
      stoppingConditions: {},
      engine: 'load-test' as const,
    },
    plan: {
      deployTemplate: {
        model: { image: 'img' },
        healthCheck: {
          samples: [{ body: 'x', contentType: 'text/csv', expectedStatus: 200 }],
          concurrency: 1,
          minSuccessRate: 1,
        },
      },
    },
    measured: [candidate],
    execution: { name: 'run-1' },
  };
}

describe('the plan of candidates', () => {
  const input = {
    endpointNamePrefix: 'churn',
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/linear:1',
      modelDataUrl: 's3://my-models/model.tar.gz',
    },
    candidates: {
      instanceTypes: ['ml.c5.large', 'ml.m5.large'],
      instanceCounts: [1, 2],
      serverlessMemorySizesInMB: [2048],
      environmentRanges: { WORKERS: ['1', '2'], THREADS: ['4'] },
    },
    samples: [{ contentType: 'text/csv', body: '1,2' }],
    pattern: { stairs: { usersPerStep: 1, steps: 2, stepSeconds: 10 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: 100 } },
    targetRequestsPerSecond: 10,
  };

  it('expands types × counts × environments, then serverless sizes × environments, with throwaway names', () => {
    expect(environmentCombinations({ A: ['1', '2'], B: ['x', 'y'] })).toEqual([
      { A: '1', B: 'x' },
      { A: '1', B: 'y' },
      { A: '2', B: 'x' },
      { A: '2', B: 'y' },
    ]);
    const state = rightSizeState(RightSizeEndpointInput.parse(input), EXECUTION);
    const { candidates } = state.plan;
    expect(candidates).toHaveLength(10);
    expect(candidates.map((c) => c.label).slice(0, 3)).toEqual([
      'ml.c5.large × 1, WORKERS=1, THREADS=4',
      'ml.c5.large × 1, WORKERS=2, THREADS=4',
      'ml.c5.large × 2, WORKERS=1, THREADS=4',
    ]);
    expect(candidates[9]).toMatchObject({ label: 'serverless 2048 MB, WORKERS=2, THREADS=4' });
    for (const c of candidates) expect(c.endpointName).toMatch(/^churn-rs-[0-9a-f]{8}-\d+$/);
    expect(state.plan.nameStem).toBe(candidates[0]?.endpointName.slice(0, -1));
    expect(state.plan.maxConcurrency).toBe(2);
    // The longest prefix still leaves a valid name for the 20th candidate.
    const longest = RightSizeEndpointInput.parse({ ...input, endpointNamePrefix: 'p'.repeat(46) });
    const names = rightSizeState(longest, EXECUTION).plan.candidates.map((c) => c.endpointName);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(63);
  });

  it('prepares each candidate as DeployEndpoint and the load test read it, tagged as this execution’s throwaway', async () => {
    const state = rightSizeState(RightSizeEndpointInput.parse(input), EXECUTION);
    const serverless = state.plan.candidates[9] as RightSizeCandidate;
    const prepared = await prepareCandidate({
      candidate: serverless,
      deployTemplate: state.plan.deployTemplate as never,
      loadTestTemplate: state.plan.loadTestTemplate,
      execution: EXECUTION,
    });
    expect(prepared.request.endpointName).toBe(serverless.endpointName);
    expect(prepared.loadTest.request.endpointName).toBe(serverless.endpointName);
    expect(prepared.request.model.environment).toEqual({ WORKERS: '2', THREADS: '4' });
    expect(prepared.request.variants).toEqual([
      expect.objectContaining({ name: 'AllTraffic', serverless: { memorySizeInMB: 2048, maxConcurrency: 20 } }),
    ]);
    expect(prepared.request.variants[0]).not.toHaveProperty('instanceType');
    // What DeployEndpoint's contract would make of it, once more: the same.
    expect(DeployEndpointInput.parse(prepared.request)).toEqual(prepared.request);
    const tags = ownershipTags(prepared as unknown as Parameters<typeof ownershipTags>[0]);
    expect(tags).toMatchObject({
      'sagemaker-workflows:execution': EXECUTION.id,
      'sagemaker-workflows:throwaway': 'right-size',
      'sagemaker-workflows:endpoint': serverless.endpointName,
    });
    expect(isThrowawayOf(tags, serverless.endpointName, EXECUTION.id)).toBe(true);
    expect(isThrowawayOf(tags, serverless.endpointName, 'arn:other')).toBe(false);
    // A lasting deployment keeps the execution's name, and no throwaway tag.
    const lasting = ownershipTags({
      request: { endpointName: prepared.request.endpointName, tags: {} },
      execution: EXECUTION,
    });
    expect(lasting['sagemaker-workflows:execution']).toBe('run-1');
    expect(lasting).not.toHaveProperty(['sagemaker-workflows:throwaway']);
  });

  it('refuses samples that would make the state outgrow 256 KiB once the candidates are measured, naming them', () => {
    // 125 KB held twice (load test and warm-up) and ten candidates' figures: over Step Functions' 256 KiB.
    const request = RightSizeEndpointInput.parse({
      ...input,
      samples: [{ contentType: 'text/csv', body: 'x'.repeat(125_000) }],
    });
    expect(() => rightSizeState(request, EXECUTION)).toThrow(
      /^Invalid RightSizeEndpoint input: samples: the inline samples are held twice .* Step Functions allows 262144/,
    );
  });

  it('refuses a candidate DeployEndpoint would refuse, naming it', () => {
    // The model's environment (31,000 bytes) fits; with the candidate's variable (1,900 bytes) it passes 32 KiB.
    const environment = Object.fromEntries(
      Array.from({ length: 31 }, (_, i) => [`V${i}`, 'x'.repeat(998 - String(i).length)]),
    );
    const request = RightSizeEndpointInput.parse({
      ...input,
      model: { ...input.model, environment },
      candidates: { instanceTypes: ['ml.c5.large'], environmentRanges: { ['Y'.repeat(900)]: ['v'.repeat(1000)] } },
    });
    expect(() => rightSizeState(request, EXECUTION)).toThrow(
      /candidate 0 \(ml\.c5\.large × 1, Y+=v+\) as DeployEndpoint input: model\.environment/,
    );
  });
});

describe('DeleteThrowaways', () => {
  it('deletes what this execution made for the candidate, and nothing of the same name that anyone else made', async () => {
    const sagemaker = new FakeSageMaker();
    const name = 'churn-rs-0123abcd-1';
    const ours = {
      'sagemaker-workflows:endpoint': name,
      'sagemaker-workflows:execution': EXECUTION.id,
      'sagemaker-workflows:throwaway': 'right-size',
    };
    sagemaker.seedModel(`${name}-m1`, { tags: ours });
    sagemaker.seedConfig(`${name}-c1`, [`${name}-m1`], { tags: ours });
    // Another execution's, a lasting deployment's, and candidate 10's (whose name contains candidate 1's).
    sagemaker.seedModel(`${name}-other`, { tags: { ...ours, 'sagemaker-workflows:execution': 'arn:other' } });
    sagemaker.seedModel(`${name}-lasting`, { tags: { 'sagemaker-workflows:endpoint': name } });
    sagemaker.seedModel('churn-rs-0123abcd-10-m1', {
      tags: { ...ours, 'sagemaker-workflows:endpoint': 'churn-rs-0123abcd-10' },
    });

    const deleted = await deleteThrowaways(
      { throwaways: { candidate: { endpointName: name } }, execution: { id: EXECUTION.id } },
      { sagemaker },
    );

    expect(deleted).toEqual({ endpoints: [], endpointConfigs: [`${name}-c1`], models: [`${name}-m1`] });
    expect([...sagemaker.models.keys()].sort()).toEqual([
      'churn-rs-0123abcd-1-lasting',
      'churn-rs-0123abcd-1-other',
      'churn-rs-0123abcd-10-m1',
    ]);
  });
});
