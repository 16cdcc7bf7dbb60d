/**
 * Bad input, the way a careless user or a buggy caller writes it: each workflow's valid example, broken one way
 * at a time, must fail at the first state (validateFirstState, what its Lambda runs: it calls nothing, so it
 * creates nothing) with InvalidInputError naming the field and the rule, in a short message.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../contracts/errors.ts';
import { validateFirstState } from '../../workflows/first-state.ts';
import { WORKFLOWS, type WorkflowName } from '../../workflows/workflows.ts';

type Json = Record<string, unknown>;

/** One bad input: what to change in the workflow's example, and what the refusal must say. */
interface BadInput {
  /** What is wrong with it. */
  readonly case: string;
  /** Values to put at paths of the example (`a.b[0].c`); `undefined` removes the member. */
  readonly set?: Readonly<Record<string, unknown>>;
  /** Replaces the whole input instead. */
  readonly input?: unknown;
  /** The field the message names, as it writes it (`''`: the input as a whole). @default the one `set` path */
  readonly field?: string;
  /** A fragment of the rule the message states. */
  readonly rule: string;
  /** The execution's name. @default a valid one */
  readonly executionName?: string;
}

/** Every message stays short: it names the field and the rule, and echoes no big value or enum list. */
const MAX_MESSAGE_CHARS = 300;
const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const TOO_BIG_INPUT = 'x'.repeat(270 * 1024);
const LONG_KEY = 'k'.repeat(2000);

/** Path segments of `a.b[0].c`. */
const segments = (path: string): (string | number)[] =>
  path.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));

/** Puts `value` at `path` of `doc` as an own member (`__proto__` included), creating objects on the way. */
function put(doc: Json, path: string, value: unknown): void {
  const keys = segments(path);
  const last = keys.pop() as string | number;
  let at: Json = doc;
  for (const key of keys) {
    at[key] ??= {};
    at = at[key] as Json;
  }
  if (value === undefined) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
}

/** An environment of `count` variables of `bytes` bytes each (names included). */
const environment = (count: number, bytes = 1000, prefix = 'V') =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'v'.repeat(bytes - `${prefix}${i}`.length)]),
  );

/** Tags `t0`..`t<count-1>`. */
const tags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}`, 'x']));

/** An object whose one own key is `key` (made by JSON.parse, as Lambda makes the input). */
const withKey = (key: string, value: unknown) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value)}}`);

/** A serverless variant. */
/** DeployEndpoint's async settings, with `overrides`. */
const asyncConfig = (overrides: Json = {}) => ({ s3OutputPath: 's3://my-bucket/async/output/', ...overrides });

const serverless = (name = 'AllTraffic') => ({ name, serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } });

/** A guardrail step: a percentage of the capacity, or a number of instances. */
const percent = (value: number) => ({ type: 'CAPACITY_PERCENT', value });
const instances = (value: number) => ({ type: 'INSTANCE_COUNT', value });

/** Blue/green guardrails shifting traffic as a canary or in linear steps of `size`, baking `wait` s between. */
const blueGreen = (type: 'CANARY' | 'LINEAR', size: Json, wait = 60) => ({
  blueGreen: {
    trafficRouting: { type, waitIntervalInSeconds: wait, [type === 'CANARY' ? 'canarySize' : 'linearStepSize']: size },
  },
});

/** Rolling guardrails in batches of `size`, baking a minute each, with `more` of the rolling policy. */
const rolling = (size: Json, more: Json = {}) => ({
  rolling: { maximumBatchSize: size, waitIntervalInSeconds: 60, ...more },
});

/** What every workflow's first state refuses, whatever its contract. */
const anyWorkflow: BadInput[] = [
  {
    case: 'an input over 256 KiB of JSON',
    set: { padding: TOO_BIG_INPUT },
    field: '',
    rule: 'bytes of JSON; Step Functions accepts at most 262144 (256 KiB)',
  },
  {
    case: 'a top-level __proto__ key',
    set: withKey('__proto__', { admin: true }),
    rule: '"__proto__" is not allowed as a key',
  },
  { case: 'an unknown key of 2000 characters', set: { [LONG_KEY]: 1 }, field: '', rule: 'Unrecognized key: "kkk' },
  {
    case: 'an execution name that cannot be a tag value',
    executionName: 'run(1)',
    field: '',
    rule: 'execution name "run(1)": expected letters, digits, spaces and _.:/=+-@ (it becomes a tag value)',
  },
];

/** What every endpoint deployment refuses in the fields they share (variants, guardrails, tags, wait). */
const anyDeployment: BadInput[] = [
  {
    case: 'a hosting instance type that does not exist',
    set: { 'variants[0].instanceType': 'ml.m5.huge' },
    rule: 'expected a hosting instance type (ml.m5.large, ml.c5.xlarge, ...); "ml.m5.huge" is not one',
  },
  {
    case: 'a canary over half of the capacity',
    set: {
      deployment: blueGreen('CANARY', percent(60)),
    },
    field: 'deployment.blueGreen.trafficRouting.canarySize',
    rule: "expected at most 50% of capacity (SageMaker's canary limit); got 60%",
  },
  {
    case: 'a model version that cannot be a tag value',
    set: { modelVersion: 'v1#hotfix' },
    rule: 'expected letters, digits, spaces and _.:/=+-@ (it becomes a tag value)',
  },
  { case: 'more than 40 tags', set: { tags: tags(41) }, rule: 'expected at most 40 tags' },
  ...leaseCases(''),
];

/** How long to wait for another deployment's lease, broken: at `prefix` (`deployment.` in a group's settings). */
function leaseCases(prefix: string): BadInput[] {
  return [
    {
      case: 'a lease wait over 12 hours',
      set: { [`${prefix}lease.waitMinutes`]: 721 },
      rule: 'Too big: expected number to be <=720',
    },
    {
      case: 'a negative lease wait',
      set: { [`${prefix}lease.waitMinutes`]: -1 },
      rule: 'Too small: expected number to be >=0',
    },
    {
      case: 'a lease wait in fractions of a minute',
      set: { [`${prefix}lease.waitMinutes`]: 2.5 },
      rule: 'expected int',
    },
    {
      case: 'an unknown lease setting',
      set: { [`${prefix}lease.holder`]: 'me' },
      field: `${prefix}lease`,
      rule: 'Unrecognized key: "holder"',
    },
  ];
}

/** A copy of the example with `set` applied. */
function badInputOf(example: unknown, bad: BadInput): unknown {
  if ('input' in bad) return bad.input;
  const doc = structuredClone(example) as Json;
  for (const [path, value] of Object.entries(bad.set ?? {})) put(doc, path, value);
  return doc;
}

const TABLES: Readonly<Record<WorkflowName, readonly BadInput[]>> = {
  LoadTestEndpoint: [
    ...anyWorkflow,
    {
      case: 'no typed confirmation of the endpoint',
      set: { confirmEndpointName: undefined },
      rule: 'expected string, received undefined',
    },
    {
      case: 'a confirmation that names another endpoint',
      set: { confirmEndpointName: 'churn-prod' },
      rule: 'expected the same name as endpointName: a load test sends real traffic',
    },
    { case: 'no samples', set: { samples: [] }, rule: 'Too small: expected array to have >=1 items' },
    {
      case: 'a sample with both a body and an S3 prefix',
      set: { 'samples[0].s3Prefix': 's3://my-bucket/samples/' },
      field: 'samples[0]',
      rule: 'expected exactly one of body or s3Prefix',
    },
    {
      case: 'a sample whose S3 prefix is not an S3 URI',
      set: { 'samples[0].body': undefined, 'samples[0].s3Prefix': 'https://my-bucket/samples/' },
      field: 'samples[0].s3Prefix',
      rule: 'expected an S3 prefix such as s3://my-bucket/load-samples/',
    },
    { case: 'a sample without a content type', set: { 'samples[0].contentType': undefined }, rule: 'expected string' },
    { case: 'a sample of weight 0', set: { 'samples[0].weight': 0 }, rule: 'Too small: expected number to be >0' },
    {
      case: 'a latency threshold at P75',
      set: { 'stoppingConditions.latencyThreshold.percentile': 'P75' },
      rule: 'expected P50, P90, P95 or P99',
    },
    {
      case: 'a latency threshold of 0 ms',
      set: { 'stoppingConditions.latencyThreshold.valueMs': 0 },
      rule: 'Too small: expected number to be >0',
    },
    {
      case: 'an error rate above 1',
      set: { 'stoppingConditions.maxErrorRate': 5 },
      rule: 'Too big: expected number to be <=1',
    },
    {
      case: 'both phases and stairs',
      set: { 'pattern.phases': [{ initialUsers: 1, durationSeconds: 60 }] },
      field: 'pattern',
      rule: 'expected exactly one of phases or stairs',
    },
    {
      case: 'a pattern longer than the one-hour cap',
      set: { pattern: { stairs: { usersPerStep: 1, steps: 5, stepSeconds: 900 } } },
      field: 'pattern',
      rule: 'expected at most 3600 s in all (caps.maxPatternSeconds); this pattern runs 4500 s',
    },
    {
      case: 'a pattern longer than its own lower cap',
      set: { 'caps.maxPatternSeconds': 5 },
      field: 'pattern',
      rule: 'expected at most 5 s in all (caps.maxPatternSeconds); this pattern runs 6 s',
    },
    {
      case: 'a duration cap above the hard one',
      set: { 'caps.maxPatternSeconds': 7200 },
      rule: 'Too big: expected number to be <=3600',
    },
    {
      case: 'an invocation cap above the hard one',
      set: { 'caps.maxTotalInvocations': 20_000_000 },
      rule: 'Too big: expected number to be <=10000000',
    },
    {
      case: 'a step of more users than the cap',
      set: { pattern: { stairs: { usersPerStep: 2000, steps: 3, stepSeconds: 60 } } },
      field: 'pattern.stairs',
      rule: 'expected at most 5000 users in a step; step 3 reaches 6000',
    },
    {
      case: 'a phase that spawns past the users cap',
      set: { pattern: { phases: [{ initialUsers: 10, spawnRate: 5000, durationSeconds: 120 }] } },
      field: 'pattern.phases[0]',
      rule: 'expected at most 5000 users in a step; step 1 reaches 10010',
    },
    {
      case: 'more load generators in a step than the cap',
      set: { pattern: { stairs: { usersPerStep: 600, steps: 1, stepSeconds: 60 } }, 'options.usersPerWorker': 1 },
      field: 'pattern.stairs',
      rule: 'expected at most 500 load generators in a step; step 1 needs 600',
    },
    {
      case: 'a metrics period CloudWatch does not offer',
      set: { 'options.metricsPeriodSeconds': 15 },
      rule: 'Invalid input',
    },
    {
      case: 'a target model starting with a space',
      set: { targetModels: [{ targetModel: ' v1.tar.gz' }] },
      field: 'targetModels[0].targetModel',
      rule: "expected SageMaker's TargetModel",
    },
    {
      case: 'a container hostname with underscores',
      set: { targetContainerHostname: 'pre_process' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'a body over 6 MB',
      set: { 'samples[0].body': 'x'.repeat(6 * 1024 * 1024 + 1) },
      field: '',
      rule: 'bytes of JSON; Step Functions accepts at most 262144 (256 KiB)',
    },
  ],
  RightSizeEndpoint: [
    ...anyWorkflow,
    {
      case: 'no candidates',
      set: { candidates: { instanceTypes: [] } },
      field: 'candidates',
      rule: 'expected at least one candidate: give instanceTypes or serverlessMemorySizesInMB',
    },
    {
      case: 'more candidates than the cap',
      set: { 'candidates.instanceCounts': [1, 2, 3, 4, 5, 6] },
      field: 'candidates',
      rule: 'expected at most 20 candidates; these ranges expand to 24',
    },
    {
      case: 'an instance type SageMaker does not host',
      set: { 'candidates.instanceTypes': ['ml.c5.large', 'ml.c5.huge'] },
      field: 'candidates.instanceTypes[1]',
      rule: 'expected a hosting instance type',
    },
    {
      case: 'an instance count over the candidate cap',
      set: { 'candidates.instanceCounts': [11] },
      field: 'candidates.instanceCounts[0]',
      rule: 'Too big: expected number to be <=10',
    },
    {
      case: 'environment ranges whose product is over the cap',
      set: {
        'candidates.environmentRanges': {
          SAGEMAKER_MODEL_SERVER_WORKERS: ['1', '2', '3', '4', '5'],
          OMP_NUM_THREADS: ['1', '2', '3', '4'],
        },
      },
      field: 'candidates.environmentRanges',
      rule: 'expected at most 16 combinations of environment values; these ranges make 20',
    },
    {
      case: 'a serverless memory size SageMaker does not offer',
      set: { 'candidates.serverlessMemorySizesInMB': [1536] },
      field: 'candidates.serverlessMemorySizesInMB[0]',
      rule: 'expected one of 1024, 2048, 3072, 4096, 5120, 6144',
    },
    {
      case: 'a latency threshold at P75',
      set: { 'stoppingConditions.latencyThreshold.percentile': 'P75' },
      rule: 'expected P50, P90, P95 or P99',
    },
    {
      case: 'no latency threshold',
      set: { 'stoppingConditions.latencyThreshold': undefined },
      rule: 'expected a latency threshold: the recommendation is the cheapest candidate that meets it',
    },
    {
      case: 'a pattern longer than the one-hour cap',
      set: { pattern: { stairs: { usersPerStep: 1, steps: 5, stepSeconds: 900 } } },
      field: 'pattern',
      rule: 'expected at most 3600 s in all (caps.maxPatternSeconds); this pattern runs 4500 s',
    },
    { case: 'a target rate of 0', set: { targetRequestsPerSecond: 0 }, rule: 'expected a rate above 0' },
    { case: 'a negative target rate', set: { targetRequestsPerSecond: -5 }, rule: 'expected a rate above 0' },
    {
      case: 'a safety factor above 1',
      set: { safetyFactor: 1.5 },
      rule: 'Too big: expected number to be <=1',
    },
    {
      case: 'a region the price table lacks, without prices',
      set: { region: 'ap-south-2' },
      rule: 'expected one of us-east-1, us-west-2 (the regions the price table covers), or prices for every candidate',
    },
    {
      case: 'a name prefix that leaves no room for the candidate names',
      set: { endpointNamePrefix: 'p'.repeat(47) },
      rule: 'Too big: expected string to have <=46 characters',
    },
    {
      case: 'only S3 samples, so nothing to warm the candidates up with',
      set: { samples: [{ contentType: 'text/csv', s3Prefix: 's3://my-bucket/samples/' }] },
      field: 'samples',
      rule: 'expected at least one inline sample (body)',
    },
    {
      case: 'engine inference-recommender with an image model',
      set: { engine: 'inference-recommender' },
      field: 'model.modelPackageArn',
      rule: 'expected a model package with engine inference-recommender',
    },
    {
      case: 'engine inference-recommender with a P90 threshold',
      set: {
        engine: 'inference-recommender',
        model: { modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/1' },
        'stoppingConditions.latencyThreshold.percentile': 'P90',
      },
      field: 'stoppingConditions.latencyThreshold.percentile',
      rule: 'expected P95 or P99 with engine inference-recommender',
    },
    {
      case: 'more candidates at once than the cap',
      set: { maxConcurrency: 11 },
      rule: 'Too big: expected number to be <=10',
    },
    {
      case: 'a body over 6 MB',
      set: { 'samples[0].body': 'x'.repeat(6 * 1024 * 1024 + 1) },
      field: '',
      rule: 'bytes of JSON; Step Functions accepts at most 262144 (256 KiB)',
    },
  ],
  DeployApprovedModelPackage: [
    ...anyWorkflow,
    ...leaseCases('deployment.'),
    { case: 'an event from another source', set: { 'event.source': 'aws.s3' }, rule: 'expected "aws.sagemaker"' },
    {
      case: 'an event of another detail-type',
      set: { 'event.detail-type': 'SageMaker Model State Change' },
      rule: 'expected "SageMaker Model Package State Change"',
    },
    { case: 'an event without its detail', set: { 'event.detail': undefined }, rule: 'expected object' },
    {
      case: 'a creation event still pending approval',
      set: { 'event.detail.ModelApprovalStatus': 'PendingManualApproval' },
      rule: 'expected Approved or Rejected',
    },
    {
      case: 'an approval status in lower case',
      set: { 'event.detail.ModelApprovalStatus': 'approved' },
      rule: 'expected Approved or Rejected',
    },
    {
      case: 'a package ARN of an unversioned package',
      set: { 'event.detail.ModelPackageArn': 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-model' },
      rule: 'expected a versioned model package ARN',
    },
    {
      case: 'a package ARN of another group than the event names',
      set: { 'event.detail.ModelPackageArn': 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3' },
      rule: 'expected the package of group churn, version 1; the ARN names fraud/3',
    },
    {
      case: 'a package version that differs from the ARN',
      set: { 'event.detail.ModelPackageVersion': 4 },
      field: 'event.detail.ModelPackageArn',
      rule: 'expected the package of group churn, version 4; the ARN names churn/1',
    },
    {
      case: 'a package version of zero',
      set: { 'event.detail.ModelPackageVersion': 0 },
      rule: 'Too small: expected number to be >=1',
    },
    {
      case: 'a group name with an underscore',
      set: { 'event.detail.ModelPackageGroupName': 'churn_model' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'an event without its package ARN',
      set: { 'event.detail.ModelPackageArn': undefined },
      rule: 'expected string',
    },
    { case: 'no deployment settings', set: { deployment: undefined }, rule: 'expected object' },
    {
      case: 'an endpoint name with an underscore',
      set: { 'deployment.endpointName': 'churn_predictor' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'a model version in the group settings (the package is the version)',
      set: { 'deployment.modelVersion': 'v1' },
      field: 'deployment',
      rule: 'Unrecognized key: "modelVersion"',
    },
    {
      case: 'a model in the group settings (the package is the model)',
      set: {
        'deployment.model': { modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3' },
      },
      field: 'deployment',
      rule: 'Unrecognized key: "model"',
    },
    {
      case: 'a hosting instance type that does not exist',
      set: { 'deployment.variants[0].instanceType': 'ml.m5.huge' },
      rule: 'expected a hosting instance type (ml.m5.large, ml.c5.xlarge, ...); "ml.m5.huge" is not one',
    },
    {
      case: 'a canary over half of the capacity',
      set: { 'deployment.deployment': blueGreen('CANARY', percent(60)) },
      field: 'deployment.deployment.blueGreen.trafficRouting.canarySize',
      rule: "expected at most 50% of capacity (SageMaker's canary limit); got 60%",
    },
    {
      case: 'a health-check sample aimed at a variant the endpoint does not have',
      set: { 'deployment.healthCheck.samples[0].targetVariant': 'Shadow' },
      rule: 'expected one of the variants (AllTraffic)',
    },
    { case: 'more than 40 tags', set: { 'deployment.tags': tags(41) }, rule: 'expected at most 40 tags' },
    {
      case: 'retaining no version',
      set: { 'deployment.retainVersions': 0 },
      rule: 'Too small: expected number to be >=1',
    },
    { case: 'an unknown failure policy', set: { 'deployment.onFailure': 'ignore' }, rule: 'rollback' },
    {
      case: 'an unknown top-level key',
      set: { endpointName: 'churn-predictor' },
      field: '',
      rule: 'Unrecognized key: "endpointName"',
    },
  ],
  DeployEndpoint: [
    ...anyWorkflow,
    ...anyDeployment,
    {
      case: 'a canary of every instance',
      set: { 'deployment.blueGreen.trafficRouting.canarySize': instances(2) },
      rule: "expected at most 50% of each variant's instances (SageMaker's canary limit); 2 of AllTraffic's 2 is 100%",
    },
    {
      case: 'a linear step under a tenth of the capacity',
      set: { 'deployment.blueGreen.trafficRouting': blueGreen('LINEAR', percent(5)).blueGreen.trafficRouting },
      field: 'deployment.blueGreen.trafficRouting.linearStepSize',
      rule: "expected 10-50% of capacity (SageMaker's linear step limit); got 5%",
    },
    {
      case: 'a wait interval over an hour',
      set: { 'deployment.blueGreen.trafficRouting.waitIntervalInSeconds': 3601 },
      rule: 'Too big: expected number to be <=3600',
    },
    {
      case: 'guardrails that bake longer than the wait deadline',
      set: {
        'deployment.blueGreen.trafficRouting.waitIntervalInSeconds': 3600,
        'deployment.blueGreen.terminationWaitInSeconds': 3600,
      },
      field: 'wait.timeoutMinutes',
      rule: "expected at least 120 minutes: the guardrails' baking periods alone take 7200 s",
    },
    {
      case: 'a maximum execution time beyond the wait deadline',
      set: { 'deployment.blueGreen.maximumExecutionTimeoutInSeconds': 7200 },
      field: 'wait.timeoutMinutes',
      rule: 'SageMaker may take the 7200 s of maximumExecutionTimeoutInSeconds',
    },
    {
      case: 'a rolling deployment of a serverless variant',
      set: {
        variants: [serverless()],
        deployment: rolling(percent(25)),
        dataCapture: undefined,
        autoScaling: undefined,
      },
      field: 'deployment.rolling',
      rule: 'SageMaker does not roll out to serverless variants',
    },
    {
      case: 'a serverless variant beside an instance variant',
      set: { 'variants[1]': serverless('Serverless') },
      field: 'variants[1].serverless',
      rule: 'a serverless variant must be the only variant',
    },
    {
      case: 'data capture on a serverless variant',
      set: { variants: [serverless()], deployment: undefined, autoScaling: undefined },
      field: 'dataCapture',
      rule: 'SageMaker does not capture data on serverless endpoints (variants.0 is serverless)',
    },
    {
      case: 'a data capture destination that is no S3 URI',
      set: { 'dataCapture.destinationS3Uri': 'my-model-artifacts/datacapture' },
      rule: 'expected an S3 prefix such as s3://my-bucket/datacapture',
    },
    {
      case: 'a data capture sampling percentage over 100',
      set: { 'dataCapture.initialSamplingPercentage': 101 },
      rule: 'Too big: expected number to be <=100',
    },
    {
      case: 'a captured content type with parameters',
      set: { 'dataCapture.csvContentTypes[0]': 'text/csv; charset=utf-8' },
      rule: 'expected a content type such as text/csv or application/json (type/subtype, no parameters)',
    },
    {
      case: 'an unknown capture mode',
      set: { 'dataCapture.captureModes[0]': 'Both' },
      rule: 'Invalid option: expected one of "Input"|"Output"|"InputAndOutput"',
    },
    {
      case: 'serverless memory that is no multiple of 1024',
      set: {
        variants: [{ serverless: { memorySizeInMB: 1500, maxConcurrency: 5 } }],
        dataCapture: undefined,
        autoScaling: undefined,
      },
      field: 'variants[0].serverless.memorySizeInMB',
      rule: 'expected 1024, 2048, 3072, 4096, 5120 or 6144',
    },
    {
      case: 'more serverless provisioned concurrency than maximum',
      set: {
        variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: 6 } }],
        dataCapture: undefined,
        autoScaling: undefined,
      },
      field: 'variants[0].serverless.provisionedConcurrency',
      rule: 'expected at most maxConcurrency',
    },
    {
      case: 'variants that all weigh 0',
      set: { 'variants[0].initialVariantWeight': 0 },
      rule: 'expected a weight above 0 on at least one variant',
    },
    {
      case: 'an autoscaling minimum above its maximum',
      set: { 'autoScaling.AllTraffic.minCapacity': 7 },
      rule: 'expected at most maxCapacity',
    },
    {
      case: 'autoscaling on a serverless variant',
      set: { variants: [serverless()], deployment: undefined, dataCapture: undefined },
      field: 'autoScaling.AllTraffic',
      rule: 'autoscaling applies to instance variants: SageMaker scales a serverless variant by itself',
    },
    {
      case: 'autoscaling for a variant the input does not have',
      set: {
        'autoScaling.Canary': {
          minCapacity: 1,
          maxCapacity: 2,
          targetTracking: { metric: 'SageMakerVariantInvocationsPerInstance', targetValue: 5 },
        },
      },
      field: 'autoScaling.Canary',
      rule: 'expected the name of one of the variants (AllTraffic)',
    },
    {
      case: 'autoscaling to zero instances on a real-time endpoint',
      set: { 'autoScaling.AllTraffic.minCapacity': 0 },
      rule: 'only an asynchronous endpoint (async) scales to zero instances',
    },
    {
      case: "tracking an asynchronous endpoint's backlog on a real-time endpoint",
      set: { 'autoScaling.AllTraffic.targetTracking.metric': 'ApproximateBacklogSizePerInstance' },
      rule: "ApproximateBacklogSizePerInstance is an asynchronous endpoint's metric",
    },
    {
      case: 'both a predefined and a custom scaling metric',
      set: {
        'autoScaling.AllTraffic.targetTracking.customMetric': {
          namespace: 'Churn',
          metricName: 'Depth',
          statistic: 'Sum',
        },
      },
      field: 'autoScaling.AllTraffic.targetTracking.metric',
      rule: 'expected exactly one of metric',
    },
    {
      case: 'a custom scaling metric with a statistic CloudWatch does not have',
      set: {
        'autoScaling.AllTraffic.targetTracking.metric': undefined,
        'autoScaling.AllTraffic.targetTracking.customMetric': {
          namespace: 'Churn',
          metricName: 'Depth',
          statistic: 'Median',
        },
      },
      field: 'autoScaling.AllTraffic.targetTracking.customMetric.statistic',
      rule: 'Invalid option',
    },
    {
      case: 'a scaling target value of 0',
      set: { 'autoScaling.AllTraffic.targetTracking.targetValue': 0 },
      rule: 'Too small: expected number to be >0',
    },
    {
      case: 'a negative scale-in cooldown',
      set: { 'autoScaling.AllTraffic.targetTracking.scaleInCooldownSeconds': -1 },
      rule: 'Too small: expected number to be >=0',
    },
    {
      case: 'asynchronous inference on a serverless variant',
      set: {
        async: asyncConfig(),
        variants: [serverless()],
        deployment: undefined,
        dataCapture: undefined,
        autoScaling: undefined,
      },
      field: 'variants[0].serverless',
      rule: 'asynchronous inference runs on instances',
    },
    {
      case: 'an async output path that is not an s3:// URI',
      set: { async: asyncConfig({ s3OutputPath: 'my-bucket/async/output/' }) },
      field: 'async.s3OutputPath',
      rule: 'expected an S3 prefix such as s3://my-bucket/async/output/',
    },
    {
      case: 'an async failure path in a bucket that cannot exist',
      set: { async: asyncConfig({ s3FailurePath: 's3://My_Bucket/failures/' }) },
      field: 'async.s3FailurePath',
      rule: 'cannot exist',
    },
    {
      case: 'an async success topic that is not an SNS topic ARN',
      set: { async: asyncConfig({ successTopic: 'my-topic' }) },
      field: 'async.successTopic',
      rule: 'expected an SNS topic ARN',
    },
    {
      case: 'an async concurrency over 1000 per instance',
      set: { async: asyncConfig({ maxConcurrentInvocationsPerInstance: 1001 }) },
      field: 'async.maxConcurrentInvocationsPerInstance',
      rule: 'Too big: expected number to be <=1000',
    },
    {
      case: 'the inference response included in an error topic that is not set',
      set: { async: asyncConfig({ includeInferenceResponseIn: ['ERROR_NOTIFICATION_TOPIC'] }) },
      field: 'async.includeInferenceResponseIn',
      rule: 'names ERROR_NOTIFICATION_TOPIC, but async.errorTopic is not set',
    },
    {
      case: 'an async health check of more than 100 invocations',
      set: { async: asyncConfig(), 'healthCheck.invocations': 101 },
      field: 'healthCheck.invocations',
      rule: 'expected at most 100 for an asynchronous endpoint',
    },
    {
      case: 'an async health-check timeout beyond the HealthCheck step',
      set: { async: asyncConfig({ healthCheckTimeoutSeconds: 900 }) },
      field: 'async.healthCheckTimeoutSeconds',
      rule: 'Too big: expected number to be <=480',
    },
    {
      case: 'a model version over 256 characters',
      set: { modelVersion: 'v'.repeat(257) },
      rule: 'expected at most 256 characters (it becomes a tag value)',
    },
    {
      case: 'a model environment over 32 KiB',
      set: { 'model.environment': environment(40) },
      rule: "expected at most 32768 bytes of variable names and values (SageMaker's limit for a model); these take 40000",
    },
    {
      case: 'an environment value over 1024 bytes (of two-byte characters)',
      set: { 'model.environment.GREETING': 'é'.repeat(600) },
      rule: 'expected at most 1024 bytes',
    },
    {
      case: 'an environment variable named __proto__',
      set: { 'model.environment': withKey('__proto__', { PATH: '/tmp' }) },
      field: 'model.environment.__proto__',
      rule: '"__proto__" is not allowed as a key',
    },
    {
      case: 'an environment variable named constructor',
      set: { 'model.environment.constructor': 'x' },
      rule: '"constructor" is not allowed as a key',
    },
    {
      case: "a tag in the project's own namespace",
      set: { 'tags.sagemaker-workflows:endpoint': 'other' },
      rule: 'tag keys starting with "sagemaker-workflows:" are this project\'s own',
    },
    {
      case: 'an image given as an https:// URL',
      set: { 'model.image': `https://${REGISTRY}/smwf-examples/linear:1` },
      rule: `expected an image reference registry/repository[:tag|@digest]; "https://${REGISTRY.slice(0, 40)}`,
    },
    {
      case: 'an image whose repository has upper-case letters',
      set: { 'model.image': `${REGISTRY}/Churn:1` },
      rule: 'has upper-case letters in its repository',
    },
    {
      case: 'an artifact in a bucket with an upper-case name',
      set: { 'model.modelDataUrl': 's3://My_Bucket/churn/model.tar.gz' },
      rule: 'bucket "My_Bucket" cannot exist: S3 bucket names hold only lowercase letters, digits, dots and hyphens',
    },
    {
      case: 'an artifact in a bucket named like an IP address',
      set: { 'model.modelDataUrl': 's3://192.168.5.4/churn/model.tar.gz' },
      rule: 'S3 bucket names are not IP addresses',
    },
  ],

  PackageModel: [
    ...anyWorkflow,
    {
      case: 'an output inside the source',
      set: { output: 's3://my-models/churn/2026-11-25.1/packages/' },
      rule: 'expected an output outside source: a package written under source is read by the next run',
    },
    {
      case: 'an output equal to the source, without its final slash',
      set: { output: 's3://my-models/churn/2026-11-25.1' },
      rule: 'expected an output outside source',
    },
    {
      case: 'an output inside the code prefix',
      set: { code: 's3://my-models/churn/code/', output: 's3://my-models/churn/code/build/' },
      field: 'output',
      rule: 'expected an output outside code',
    },
    {
      case: 'a source bucket with the reserved prefix xn--',
      set: { source: 's3://xn--models/churn/' },
      rule: 'bucket "xn--models" cannot exist: S3 reserves the bucket name prefix "xn--"',
    },
    {
      case: 'a source bucket with two dots in a row',
      set: { source: 's3://my..models/churn/' },
      rule: 'S3 bucket names have no two dots in a row',
    },
    {
      case: 'a source bucket of two characters',
      set: { source: 's3://ab/churn/' },
      rule: 'S3 bucket names are 3-63 characters long',
    },
    {
      case: 'a source bucket ending with a hyphen',
      set: { source: 's3://my-models-/churn/' },
      rule: 'S3 bucket names start and end with a letter or digit',
    },
    {
      case: 'a code bucket with the reserved prefix sthree-',
      set: { code: 's3://sthree-code/churn/' },
      rule: 'S3 reserves the bucket name prefix "sthree-"',
    },
    {
      case: 'an output bucket with the reserved prefix amzn-s3-demo-',
      set: { output: 's3://amzn-s3-demo-bucket/packages/' },
      rule: 'S3 reserves the bucket name prefix "amzn-s3-demo-"',
    },
    {
      case: 'an output named like a Multi-Region Access Point',
      set: { output: 's3://churn.mrap/packages/' },
      rule: 'S3 reserves the bucket name suffix ".mrap"',
    },
    {
      case: 'a source given as an https:// URL',
      set: { source: 'https://my-models.s3.amazonaws.com/churn/' },
      rule: 'expected an S3 prefix such as s3://my-bucket/models/churn/',
    },
    {
      case: 'a source with an upper-case scheme',
      set: { source: 'S3://my-models/churn/' },
      rule: 'expected an S3 prefix such as',
    },
    {
      case: 'a source over 1024 characters',
      set: { source: `s3://my-models/${'k/'.repeat(510)}` },
      rule: 'Too big: expected string to have <=1024 characters',
    },
    { case: 'an unknown framework', set: { framework: 'onnx' }, rule: 'Invalid option: expected one of "pytorch"' },
    { case: 'a compression level of 10', set: { compressionLevel: 10 }, rule: 'Too big: expected number to be <=9' },
    {
      case: 'a compression level for uncompressed files',
      set: { format: 'uncompressed' },
      field: 'compressionLevel',
      rule: 'compressionLevel applies to the tar.gz format only',
    },
    {
      case: 'a misspelt member',
      set: { outputs: 's3://my-models/out/' },
      field: '',
      rule: 'Unrecognized key: "outputs"',
    },
  ],

  BatchTransform: [
    ...anyWorkflow,
    {
      case: 'a hosting instance type that batch transform does not offer',
      set: { instanceType: 'ml.t2.medium' },
      rule: 'expected a batch transform instance type (ml.m5.large, ml.c5.xlarge, ...); "ml.t2.medium" is a hosting instance type only',
    },
    {
      case: 'an instance type that does not exist',
      set: { instanceType: 'ml.m5.huge' },
      rule: '"ml.m5.huge" is not one',
    },
    {
      case: 'an upper-case year placeholder',
      set: { 'input.s3Prefix': 's3://scoring/in/{YYYY}/{MM}/{dd}/' },
      rule: 'expected only the date placeholders {yyyy}, {MM}, {dd}, {HH}; "{YYYY}" is not one',
    },
    {
      case: 'a lower-case month placeholder in the output',
      set: { 'output.s3Prefix': 's3://scoring/out/{yyyy}/{mm}/' },
      rule: '"{mm}" is not one',
    },
    {
      case: 'a one-letter day placeholder',
      set: { 'input.s3Prefix': 's3://scoring/in/{yyyy}/{MM}/{d}/' },
      rule: '"{d}" is not one',
    },
    {
      case: 'an unclosed placeholder',
      set: { 'input.s3Prefix': 's3://scoring/in/{yyyy/{MM}/' },
      rule: '"{" is not one',
    },
    {
      case: 'an output inside the input prefix',
      set: { 'output.s3Prefix': 's3://scoring/in/{yyyy}/{MM}/{dd}/out/' },
      rule: 'expected an output outside the input prefix: the next run would read these outputs as input',
    },
    {
      case: 'an output equal to the input prefix',
      set: { 'output.s3Prefix': 's3://scoring/in/{yyyy}/{MM}/{dd}/' },
      rule: 'expected an output outside the input prefix',
    },
    {
      case: 'an input prefix without a slash that the output extends',
      set: { 'input.s3Prefix': 's3://scoring/in', 'output.s3Prefix': 's3://scoring/input-scored/' },
      field: 'output.s3Prefix',
      rule: 'expected an output outside the input prefix',
    },
    {
      case: 'an output that a placeholder puts inside the input on some days',
      set: { 'input.s3Prefix': 's3://scoring/day/{dd}/', 'output.s3Prefix': 's3://scoring/day/{MM}/out/' },
      field: 'output.s3Prefix',
      rule: 'expected an output outside the input prefix',
    },
    {
      case: 'an input bucket with an upper-case name',
      set: { 'input.s3Prefix': 's3://Scoring/in/' },
      rule: 'bucket "Scoring" cannot exist',
    },
    {
      case: 'a KMS key id with spaces',
      set: { 'output.kmsKeyId': 'my key' },
      rule: 'expected a KMS key ID, alias or ARN',
    },
    {
      case: 'a transform environment of 17 variables',
      set: { environment: environment(17, 10) },
      rule: "expected at most 16 environment variables (SageMaker's limit for a transform job)",
    },
    {
      case: 'a transform environment variable named __proto__',
      set: { environment: withKey('__proto__', 'x') },
      field: 'environment.__proto__',
      rule: '"__proto__" is not allowed as a key',
    },
    {
      case: 'a model image without a registry',
      set: { model: { image: 'churn:1', modelDataUrl: 's3://my-model-artifacts/churn/model.tar.gz' } },
      field: 'model.image',
      rule: '"churn:1" names no registry (such as <account>.dkr.ecr.<region>.amazonaws.com)',
    },
    {
      case: 'pipeline containers whose environments together exceed 32 KiB',
      set: {
        model: {
          containers: [
            { image: `${REGISTRY}/a:1`, environment: environment(20, 1000, 'A') },
            { image: `${REGISTRY}/b:1`, environment: environment(20, 1000, 'B') },
          ],
        },
      },
      field: 'model.containers',
      rule: 'expected at most 32768 bytes of environment names and values across all containers',
    },
    {
      case: 'a schedule name with an underscore (it names the job)',
      set: { scheduleName: 'nightly_scoring' },
      rule: 'expected letters, digits or hyphens',
    },
    {
      case: 'a scheduled time on 30 February',
      set: { scheduledTime: '2026-02-30T00:00:00Z' },
      rule: 'Invalid ISO datetime',
    },
    {
      case: 'more concurrency x payload than SageMaker allows',
      set: { maxConcurrentTransforms: 20 },
      rule: 'maxConcurrentTransforms x maxPayloadInMB must be at most 100',
    },
  ],

  CreateModel: [
    ...anyWorkflow,
    {
      case: 'an image given as an https:// URL',
      set: { 'model.image': `https://${REGISTRY}/smwf-examples/linear:1` },
      rule: 'is a URL, not a reference',
    },
    {
      case: 'an image without a registry',
      set: { 'model.image': 'smwf-examples/linear:1' },
      rule: 'names no registry',
    },
    {
      case: 'an image with a space',
      set: { 'model.image': `${REGISTRY}/smwf examples/linear:1` },
      rule: 'holds whitespace',
    },
    {
      case: 'an image with a truncated digest',
      set: { 'model.image': `${REGISTRY}/smwf-examples/linear@sha256:abc` },
      rule: 'expected an image reference registry/repository[:tag|@digest]',
    },
    {
      case: 'an image over 255 characters',
      set: { 'model.image': `${REGISTRY}/${'a'.repeat(250)}:1` },
      rule: 'Too big: expected string to have <=255 characters',
    },
    {
      case: 'an artifact URL naming a bucket only',
      set: { 'model.modelDataUrl': 's3://my-model-artifacts' },
      rule: 'expected the URI of an object, not of a prefix, such as s3://my-bucket/churn/model.tar.gz',
    },
    {
      case: 'an artifact in a bucket of two characters',
      set: { 'model.modelDataUrl': 's3://ab/model.tar.gz' },
      rule: 'S3 bucket names are 3-63 characters long',
    },
    {
      case: 'an artifact on FTP',
      set: { 'model.modelDataUrl': 'ftp://models.example.com/model.tar.gz' },
      rule: "expected an object's s3:// URL (or an https:// URL) such as",
    },
    {
      case: 'an environment of 101 variables',
      set: { 'model.environment': environment(101, 10) },
      rule: 'expected at most 100 environment variables',
    },
    {
      case: 'an environment over 32 KiB',
      set: { 'model.environment': environment(33, 1000) },
      rule: 'these take 33000',
    },
    {
      case: 'an environment variable name with a hyphen',
      set: { 'model.environment.LOG-LEVEL': 'info' },
      rule: 'Invalid key in record (expected an environment variable name',
    },
    {
      case: 'an environment variable named prototype',
      set: { 'model.environment.prototype': 'x' },
      rule: '"prototype" is not allowed as a key',
    },
    {
      case: 'containers whose environments together exceed 32 KiB',
      set: {
        model: undefined,
        containers: [
          { image: `${REGISTRY}/a:1`, environment: environment(17, 1000, 'A') },
          { image: `${REGISTRY}/b:1`, environment: environment(17, 1000, 'B') },
        ],
      },
      field: 'containers',
      rule: "across all containers (SageMaker's limit for a model); these take 34000",
    },
    {
      case: 'a tag key reserved by AWS',
      set: { 'tags.aws:team': 'growth' },
      rule: 'tag keys starting with "aws:" are reserved by AWS',
    },
    {
      case: "a tag in the project's own namespace",
      set: { 'tags.sagemaker-workflows:execution': 'mine' },
      rule: "this project's own",
    },
    {
      case: 'a tag value with a hash sign',
      set: { 'tags.team': 'growth#1' },
      rule: 'expected letters, digits, spaces and _.:/=+-@',
    },
    { case: 'more than 40 tags', set: { tags: tags(41) }, rule: 'expected at most 40 tags' },
    {
      case: 'an endpoint name with an underscore (it names the model)',
      set: { endpointName: 'churn_predictor' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'uncompressed model files under a prefix without its final slash',
      set: { 'model.modelDataUrl': undefined, 'model.modelDataSource': { s3Uri: 's3://my-model-artifacts/churn' } },
      field: 'model.modelDataSource.s3Uri',
      rule: 'expected a prefix ending with / (every object is under it)',
    },
  ],

  CreateEndpointConfig: [
    ...anyWorkflow,
    {
      case: 'data capture on a serverless variant',
      set: {
        variants: [serverless()],
        dataCapture: { initialSamplingPercentage: 5, destinationS3Uri: 's3://my-bucket/datacapture' },
      },
      field: 'dataCapture',
      rule: 'SageMaker does not capture data on serverless endpoints',
    },
    {
      case: 'asynchronous inference on a serverless variant',
      set: { async: asyncConfig(), variants: [serverless()] },
      field: 'variants[0].serverless',
      rule: 'asynchronous inference runs on instances',
    },
    {
      case: 'an async output path that is not an s3:// URI',
      set: { async: asyncConfig({ s3OutputPath: 'my-bucket/async/output/' }) },
      field: 'async.s3OutputPath',
      rule: 'expected an S3 prefix such as s3://my-bucket/async/output/',
    },
    {
      case: 'an async response included in a topic that is not set',
      set: { async: asyncConfig({ includeInferenceResponseIn: ['ERROR_NOTIFICATION_TOPIC'] }) },
      field: 'async.includeInferenceResponseIn',
      rule: 'async.errorTopic is not set',
    },
    {
      case: "the health check's async timeout, which CreateEndpointConfig has no health check for",
      set: { async: asyncConfig({ healthCheckTimeoutSeconds: 60 }) },
      field: 'async',
      rule: 'healthCheckTimeoutSeconds',
    },
    {
      case: 'a data capture destination in a bucket that cannot exist',
      set: { dataCapture: { initialSamplingPercentage: 5, destinationS3Uri: 's3://My_Bucket/datacapture' } },
      field: 'dataCapture.destinationS3Uri',
      rule: 'bucket "My_Bucket" cannot exist',
    },
    {
      case: 'a hosting instance type that does not exist',
      set: { 'variants[0].instanceType': 'ml.m5.huge' },
      rule: '"ml.m5.huge" is not one',
    },
    {
      case: 'an instance type in upper case',
      set: { 'variants[0].instanceType': 'ml.M5.large' },
      rule: 'expected a hosting instance type (ml.m5.large, ml.c5.xlarge, ...); "ml.M5.large" is not one',
    },
    {
      case: 'an instance type without the ml. prefix',
      set: { 'variants[0].instanceType': 'm5.large' },
      rule: '"m5.large" is not one',
    },
    {
      case: 'an instance type that is a number',
      set: { 'variants[0].instanceType': 5 },
      rule: 'expected a hosting instance type (ml.m5.large, ml.c5.xlarge, ...)',
    },
    {
      case: 'a variant both on instances and serverless',
      set: { 'variants[0].serverless': serverless().serverless },
      field: 'variants[0]',
      rule: 'expected exactly one of instanceType or serverless',
    },
    {
      case: 'a serverless variant beside an instance variant',
      set: { 'variants[1]': serverless('Serverless') },
      field: 'variants[1].serverless',
      rule: 'a serverless variant must be the only variant',
    },
    {
      case: 'variants that all weigh 0',
      set: { 'variants[0].initialVariantWeight': 0 },
      rule: 'with all weights 0 no request is served',
    },
    {
      case: 'eleven variants',
      set: {
        variants: Array.from({ length: 11 }, (_, i) => ({ name: `v${i}`, instanceType: 'ml.m5.large' })),
      },
      rule: 'Too big: expected array to have <=10 items',
    },
    {
      case: 'two variants of the same name',
      set: { 'variants[1]': { name: 'AllTraffic', instanceType: 'ml.c5.large' } },
      field: 'variants',
      rule: 'variant names must be unique; "AllTraffic" repeats',
    },
    {
      case: 'a variant name with an underscore',
      set: { 'variants[0].name': 'All_Traffic' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'serverless memory that is no multiple of 1024',
      set: { variants: [{ serverless: { memorySizeInMB: 1500, maxConcurrency: 5 } }] },
      field: 'variants[0].serverless.memorySizeInMB',
      rule: 'expected 1024, 2048, 3072, 4096, 5120 or 6144',
    },
    {
      case: 'more provisioned concurrency than maximum',
      set: { variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: 6 } }] },
      field: 'variants[0].serverless.provisionedConcurrency',
      rule: 'expected at most maxConcurrency',
    },
    { case: 'a model name of 64 characters', set: { modelName: 'm'.repeat(64) }, rule: 'expected 1-63 letters' },
    {
      case: 'a tag named __proto__',
      set: { tags: withKey('__proto__', 'x') },
      field: 'tags.__proto__',
      rule: '"__proto__" is not allowed as a key',
    },
    { case: 'a tag named constructor', set: { 'tags.constructor': 'x' }, rule: '"constructor" is not allowed' },
    {
      case: "a tag in the project's own namespace",
      set: { 'tags.sagemaker-workflows:endpoint-config': 'x' },
      rule: "this project's own",
    },
    {
      case: 'a tag value over 256 characters',
      set: { 'tags.team': 'g'.repeat(257) },
      rule: 'Too big: expected string to have <=256 characters',
    },
    {
      case: 'a tag key over 128 characters',
      set: { [`tags.${'k'.repeat(129)}`]: 'x' },
      field: `tags.${'k'.repeat(59)}…`,
      rule: 'Invalid key in record',
    },
    { case: 'no instance at all', set: { 'variants[0].initialInstanceCount': 0 }, rule: 'Too small' },
    {
      case: 'a container startup health check under a minute',
      set: { 'variants[0].containerStartupHealthCheckTimeoutInSeconds': 59 },
      rule: 'Too small: expected number to be >=60',
    },
  ],

  DeployMultiModelEndpoint: [
    ...anyWorkflow,
    ...anyDeployment,
    {
      case: 'a prefix without its final slash',
      set: { 'model.prefix': 's3://my-model-artifacts/mme/churn-by-region' },
      rule: 'expected a prefix ending with / (every object is under it), such as s3://my-bucket/mme/churn/',
    },
    {
      case: 'a prefix in a bucket with an underscore',
      set: { 'model.prefix': 's3://my_artifacts/mme/' },
      rule: 'bucket "my_artifacts" cannot exist',
    },
    {
      case: 'an image given as an https:// URL',
      set: { 'model.image': `https://${REGISTRY}/smwf-examples/linear:1` },
      rule: 'is a URL, not a reference',
    },
    {
      case: 'an environment variable named __proto__',
      set: { 'model.environment': withKey('__proto__', 'x') },
      field: 'model.environment.__proto__',
      rule: 'is not allowed as a key',
    },
    {
      case: 'an environment over 32 KiB',
      set: { 'model.environment': environment(40) },
      rule: "expected at most 32768 bytes of variable names and values (SageMaker's limit for a model)",
    },
    {
      case: 'an artifact that is not a .tar.gz',
      set: { 'models[0].artifact': 's3://my-model-artifacts/churn/eu/model.zip' },
      rule: 'expected the URI of a .tar.gz object',
    },
    {
      case: 'an artifact in a bucket that starts with a hyphen',
      set: { 'models[0].artifact': 's3://-artifacts/eu/model.tar.gz' },
      rule: 'S3 bucket names start and end with a letter or digit',
    },
    {
      case: 'an artifact that is a prefix',
      set: { 'models[0].artifact': 's3://my-model-artifacts/churn/eu/' },
      rule: 'expected the URI of an object, not of a prefix',
    },
    {
      case: 'a model name with a slash',
      set: { 'models[0].name': 'eu/west' },
      rule: 'it becomes the start of an S3 key',
    },
    {
      case: 'two models of the same name',
      set: { 'models[1].name': 'eu' },
      field: 'models',
      rule: 'model names must be unique; "eu" repeats',
    },
    {
      case: 'a model packaged into its own source',
      set: {
        'models[0]': {
          name: 'eu',
          package: { source: 's3://my-models/eu/', framework: 'sklearn', output: 's3://my-models/eu/out/' },
        },
      },
      field: 'models[0].package.output',
      rule: 'expected an output outside source',
    },
    {
      case: 'a serverless variant',
      set: { variants: [serverless()] },
      field: 'variants[0].serverless',
      rule: 'SageMaker refuses serverless variants for them',
    },
    {
      case: 'a linear step over half of the capacity',
      set: {
        deployment: blueGreen('LINEAR', percent(60)),
      },
      field: 'deployment.blueGreen.trafficRouting.linearStepSize',
      rule: "expected 10-50% of capacity (SageMaker's linear step limit); got 60%",
    },
    {
      case: 'a rolling batch under 5% of the capacity',
      set: {
        deployment: rolling(percent(4)),
      },
      field: 'deployment.rolling.maximumBatchSize',
      rule: "expected 5-50% of capacity (SageMaker's rolling batch limit); got 4%",
    },
    {
      case: 'a rolling batch of every instance',
      set: {
        deployment: rolling(instances(2)),
      },
      field: 'deployment.rolling.maximumBatchSize',
      rule: "2 of AllTraffic's 2 is 100%",
    },
    {
      case: 'a rolling deployment whose maximum execution time outlasts the wait deadline',
      set: {
        variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.xlarge', initialInstanceCount: 4 }],
        deployment: rolling(instances(1), { maximumExecutionTimeoutInSeconds: 14400 }),
      },
      field: 'wait.timeoutMinutes',
      rule: 'expected at least 240 minutes: SageMaker may take the 14400 s of maximumExecutionTimeoutInSeconds',
    },
  ],

  AddModelToMultiModelEndpoint: [
    ...anyWorkflow,
    ...leaseCases(''),
    {
      case: 'an artifact given as an https:// URL',
      set: { 'model.artifact': 'https://my-model-artifacts.s3.amazonaws.com/apac/model.tar.gz' },
      rule: "expected an object's s3:// URL such as s3://my-bucket/churn/eu/model.tar.gz",
    },
    {
      case: 'an artifact in a bucket with the reserved prefix xn--',
      set: { 'model.artifact': 's3://xn--artifacts/apac/model.tar.gz' },
      rule: 'S3 reserves the bucket name prefix "xn--"',
    },
    {
      case: 'an artifact that is a plain tar',
      set: { 'model.artifact': 's3://my-model-artifacts/churn/apac/model.tar' },
      rule: 'expected the URI of a .tar.gz object',
    },
    {
      case: 'an artifact in a bucket with an upper-case name',
      set: { 'model.artifact': 's3://Artifacts/apac/model.tar.gz' },
      rule: 'bucket "Artifacts" cannot exist',
    },
    {
      case: 'an artifact in a bucket named like an IP address',
      set: { 'model.artifact': 's3://10.0.0.1/apac/model.tar.gz' },
      rule: 'S3 bucket names are not IP addresses',
    },
    {
      case: 'an artifact in a table bucket',
      set: { 'model.artifact': 's3://analytics--table-s3/apac/model.tar.gz' },
      rule: 'S3 reserves the bucket name suffix "--table-s3"',
    },
    {
      case: 'both an artifact and a package',
      set: { 'model.package': { source: 's3://my-models/apac/', framework: 'sklearn' } },
      field: 'model',
      rule: 'expected either artifact or package',
    },
    {
      case: 'a package whose output is inside its source',
      set: {
        'model.artifact': undefined,
        'model.package': { source: 's3://my-models/apac/', framework: 'sklearn', output: 's3://my-models/apac/' },
      },
      field: 'model.package.output',
      rule: 'expected an output outside source',
    },
    {
      case: 'a package source in a bucket of 64 characters',
      set: {
        'model.artifact': undefined,
        'model.package': { source: `s3://${'b'.repeat(64)}/apac/`, framework: 'sklearn' },
      },
      field: 'model.package.source',
      rule: 'S3 bucket names are 3-63 characters long',
    },
    {
      case: 'a package of uncompressed files',
      set: {
        'model.artifact': undefined,
        'model.package': { source: 's3://my-models/apac/', framework: 'sklearn', format: 'uncompressed' },
      },
      field: 'model.package.format',
      rule: 'use the tar.gz format',
    },
    {
      case: 'a model name starting with a hyphen',
      set: { 'model.name': '-apac' },
      rule: 'starting with a letter or digit (it becomes the start of an S3 key)',
    },
    {
      case: 'a model name with a slash',
      set: { 'model.name': 'apac/2' },
      rule: 'it becomes the start of an S3 key',
    },
    {
      case: 'a model member named __proto__',
      set: { model: { ...withKey('__proto__', {}), name: 'apac' } },
      field: 'model.__proto__',
      rule: '"__proto__" is not allowed as a key',
    },
    {
      case: 'a sample aimed at a container hostname',
      set: { 'healthCheck.samples[0].targetContainerHostname': 'churn' },
      rule: 'only a multi-container endpoint invoked per container (Direct) takes a target container hostname',
    },
    { case: 'no invocations', set: { 'healthCheck.invocations': 0 }, rule: 'Too small: expected number to be >=1' },
    {
      case: 'a sample accept header that is not ASCII',
      set: { 'healthCheck.samples[0].accept': 'application/json; charset=ütf-8' },
      rule: 'expected printable ASCII characters (it is sent as an HTTP header)',
    },
    {
      case: 'no samples',
      set: { 'healthCheck.samples': [], 'healthCheck.invocations': undefined },
      rule: 'Too small: expected array to have >=1 items',
    },
    {
      case: 'an endpoint name with spaces',
      set: { endpointName: 'churn by region' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'a misspelt member of the model',
      set: { 'model.Name': 'apac' },
      field: 'model',
      rule: 'Unrecognized key: "Name"',
    },
  ],

  RemoveModelFromMultiModelEndpoint: [
    ...anyWorkflow,
    ...leaseCases(''),
    {
      case: 'an empty target model',
      set: { targetModel: '' },
      rule: 'Too small: expected string to have >=1 characters',
    },
    {
      case: 'a target model starting with a space',
      set: { targetModel: ' apac-3f2a9c1b7d.tar.gz' },
      rule: "expected SageMaker's TargetModel: printable, not starting with a space",
    },
    {
      case: 'a target model over 1024 characters',
      set: { targetModel: `${'m'.repeat(1025)}.tar.gz` },
      rule: 'Too big: expected string to have <=1024 characters',
    },
    {
      case: 'a target model with a control character',
      set: { targetModel: 'apac\u0007.tar.gz' },
      rule: "expected SageMaker's TargetModel",
    },
    { case: 'a target model that is a number', set: { targetModel: 3 }, rule: 'expected string, received number' },
    { case: 'an empty endpoint name', set: { endpointName: '' }, rule: 'expected 1-63 letters, digits or hyphens' },
    {
      case: 'an endpoint name of 64 characters',
      set: { endpointName: 'e'.repeat(64) },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'an endpoint name with underscores',
      set: { endpointName: 'churn_by_region' },
      rule: 'starting and ending with a letter or digit',
    },
    { case: 'an endpoint name that is a number', set: { endpointName: 7 }, rule: 'expected string, received number' },
    { case: 'an empty probe content type', set: { 'probe.contentType': '' }, rule: 'Too small' },
    {
      case: 'a probe content type over 1024 characters',
      set: { 'probe.contentType': `text/${'x'.repeat(1020)}` },
      rule: 'Too big: expected string to have <=1024 characters',
    },
    { case: 'an empty probe accept', set: { 'probe.accept': '' }, rule: 'Too small' },
    {
      case: 'a probe content type with a line break (it is an HTTP header)',
      set: { 'probe.contentType': 'text/csv\r\nX-Injected: 1' },
      rule: 'expected printable ASCII characters (it is sent as an HTTP header)',
    },
    {
      case: 'a probe body that is an object',
      set: { 'probe.body': { x: 1 } },
      rule: 'expected string, received object',
    },
    {
      case: 'a misspelt probe member',
      set: { 'probe.headers': {} },
      field: 'probe',
      rule: 'Unrecognized key: "headers"',
    },
    {
      case: 'a probe member named __proto__',
      set: { probe: withKey('__proto__', { body: 'x' }) },
      field: 'probe.__proto__',
      rule: '"__proto__" is not allowed as a key',
    },
    {
      case: 'a probe member named constructor',
      set: { 'probe.constructor': 'x' },
      rule: '"constructor" is not allowed',
    },
    { case: 'a top-level member named prototype', set: { prototype: {} }, rule: '"prototype" is not allowed as a key' },
    {
      case: 'an input that is a sentence',
      input: 'remove apac please',
      field: '',
      rule: 'expected object, received string',
    },
  ],

  DeployMultiContainerEndpoint: [
    ...anyWorkflow,
    ...anyDeployment,
    {
      case: 'a container image given as an https:// URL',
      set: { 'containers[0].image': `https://${REGISTRY}/smwf-examples/linear:1` },
      rule: 'is a URL, not a reference',
    },
    {
      case: 'a container image without a registry',
      set: { 'containers[1].image': 'linear:1' },
      rule: 'names no registry',
    },
    {
      case: 'a container artifact in a bucket with an underscore',
      set: { 'containers[0].modelDataUrl': 's3://my_artifacts/churn/model.tar.gz' },
      rule: 'bucket "my_artifacts" cannot exist',
    },
    {
      case: 'containers whose environments together exceed 32 KiB',
      set: {
        'containers[0].environment': environment(20, 1000, 'A'),
        'containers[1].environment': environment(20, 1000, 'B'),
      },
      field: 'containers',
      rule: 'across all containers',
    },
    {
      case: 'a container environment variable named __proto__',
      set: { 'containers[0].environment': withKey('__proto__', 'x') },
      field: 'containers[0].environment.__proto__',
      rule: 'is not allowed as a key',
    },
    {
      case: 'a hostname with an underscore',
      set: { 'containers[0].hostname': 'churn_1', 'healthCheck.samples[0].targetContainerHostname': 'churn_1' },
      field: 'containers[0].hostname',
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'sixteen containers',
      set: {
        containers: Array.from({ length: 16 }, (_, i) => ({ hostname: `c${i}`, image: `${REGISTRY}/c:1` })),
        'healthCheck.samples': Array.from({ length: 16 }, (_, i) => ({ targetContainerHostname: `c${i}`, body: '1' })),
      },
      field: 'containers',
      rule: 'expected at most 15 containers',
    },
    {
      case: 'one container',
      set: {
        containers: [{ hostname: 'churn', image: `${REGISTRY}/c:1` }],
        'healthCheck.samples': [{ targetContainerHostname: 'churn', body: '1' }],
      },
      field: 'containers',
      rule: 'expected at least 2 containers',
    },
    {
      case: 'two containers of the same hostname',
      set: { 'containers[1].hostname': 'churn' },
      field: 'containers',
      rule: 'container hostnames must be unique; "churn" repeats',
    },
    {
      case: 'a container without a hostname',
      set: { 'containers[1].hostname': undefined },
      rule: 'expected a hostname on every container',
    },
    {
      case: 'a sample for no container',
      set: { 'healthCheck.samples[1].targetContainerHostname': undefined },
      rule: 'expected the container this sample is for',
    },
    {
      case: 'a serverless variant',
      set: { variants: [serverless()] },
      field: 'variants[0].serverless',
      rule: 'expected an instance type',
    },
    {
      case: 'a canary of every instance',
      set: {
        deployment: blueGreen('CANARY', instances(2)),
      },
      field: 'deployment.blueGreen.trafficRouting.canarySize',
      rule: "2 of AllTraffic's 2 is 100%",
    },
    {
      case: 'a rolling deployment of two variants',
      set: {
        'variants[1]': { name: 'Blue', instanceType: 'ml.m5.xlarge', initialInstanceCount: 2 },
        deployment: rolling(percent(50)),
      },
      field: 'deployment.rolling',
      rule: 'SageMaker does not roll out to an endpoint of several variants',
    },
    {
      case: 'a serial execution mode',
      set: { inferenceExecutionMode: 'Serial' },
      rule: 'Invalid input: expected "Direct"',
    },
  ],

  DeploySerialPipeline: [
    ...anyWorkflow,
    ...anyDeployment,
    {
      case: 'a container image given as an https:// URL',
      set: { 'containers[0].image': `https://${REGISTRY}/smwf-examples/featurizer:1` },
      rule: 'is a URL, not a reference',
    },
    {
      case: 'a container image whose repository has upper-case letters',
      set: { 'containers[0].image': `${REGISTRY}/smwf-examples/Featurizer:1` },
      rule: 'has upper-case letters in its repository',
    },
    {
      case: 'a container artifact naming a bucket only',
      set: { 'containers[1].modelDataUrl': 's3://my-model-artifacts' },
      rule: 'expected the URI of an object, not of a prefix',
    },
    {
      case: 'uncompressed container files under a prefix without its final slash',
      set: {
        'containers[1].modelDataUrl': undefined,
        'containers[1].modelDataSource': { s3Uri: 's3://my-model-artifacts/churn' },
      },
      field: 'containers[1].modelDataSource.s3Uri',
      rule: 'expected a prefix ending with /',
    },
    {
      case: 'containers whose environments together exceed 32 KiB',
      set: {
        'containers[0].environment': environment(17, 1000, 'A'),
        'containers[1].environment': environment(17, 1000, 'B'),
      },
      field: 'containers',
      rule: 'these take 34000',
    },
    {
      case: 'a container environment variable name with a hyphen',
      set: { 'containers[0].environment.A-B': '1' },
      rule: 'Invalid key in record (expected an environment variable name',
    },
    {
      case: 'a container environment variable named constructor',
      set: { 'containers[0].environment.constructor': 'x' },
      rule: '"constructor" is not allowed as a key',
    },
    {
      case: 'hostnames on some containers only',
      set: { 'containers[1].hostname': undefined },
      field: 'containers',
      rule: 'expected hostnames on all containers or on none',
    },
    {
      case: 'a sample whose answer is not stated',
      set: { 'healthCheck.samples[0].expectedOutputContains': undefined },
      field: 'healthCheck.samples[0]',
      rule: 'expected expectedOutput or expectedOutputContains',
    },
    {
      case: 'a serverless variant',
      set: { variants: [serverless()] },
      field: 'variants[0].serverless',
      rule: 'serverless endpoints do not run inference pipelines',
    },
    {
      case: 'a linear step of one instance in twenty',
      set: {
        'variants[0].initialInstanceCount': 20,
        deployment: blueGreen('LINEAR', instances(1)),
      },
      field: 'deployment.blueGreen.trafficRouting.linearStepSize',
      rule: "expected 10-50% of each variant's instances (SageMaker's linear step limit); 1 of AllTraffic's 20 is 5%",
    },
    {
      case: 'a rollback batch over 100% of the capacity',
      set: {
        deployment: rolling(instances(1), { rollbackMaximumBatchSize: percent(150) }),
      },
      field: 'deployment.rolling.rollbackMaximumBatchSize.value',
      rule: 'expected a percentage of capacity, at most 100',
    },
    {
      case: 'linear steps whose baking periods outlast the wait deadline',
      set: {
        deployment: blueGreen('LINEAR', percent(10), 600),
      },
      field: 'wait.timeoutMinutes',
      rule: "expected at least 90 minutes: the guardrails' baking periods alone take 5400 s",
    },
    { case: 'no retained version', set: { retainVersions: 0 }, rule: 'Too small: expected number to be >=1' },
    {
      case: 'an unknown failure policy',
      set: { onFailure: 'ignore' },
      rule: 'Invalid option: expected one of "rollback"|"retain"',
    },
  ],
  DeployInferenceComponent: [
    ...anyWorkflow,
    {
      case: 'an endpoint name that is not valid',
      set: { endpointName: 'shared_models' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    {
      case: 'an instance type whose capacity is not known',
      set: { 'endpoint.instanceType': 'ml.m5.huge' },
      rule: 'expected an instance type whose capacity is known for inference components',
    },
    {
      case: 'requirements larger than one instance: memory',
      set: { 'component.computeResourceRequirements.minMemoryMb': 32_768 },
      rule: 'expected at most 8192 (the memory of one ml.m5.large, in MiB)',
    },
    {
      case: 'requirements larger than one instance: cores',
      set: { 'component.computeResourceRequirements.cpus': 8 },
      rule: 'expected at most 2 (the vCPUs of one ml.m5.large)',
    },
    {
      case: 'accelerators on an instance type without them',
      set: { 'component.computeResourceRequirements.accelerators': 1 },
      rule: 'expected none: ml.m5.large has no accelerators',
    },
    {
      case: 'more accelerators than a GPU instance has',
      set: { 'endpoint.instanceType': 'ml.g5.xlarge', 'component.computeResourceRequirements.accelerators': 2 },
      field: 'component.computeResourceRequirements.accelerators',
      rule: 'expected at most 1 (the accelerators of one ml.g5.xlarge)',
    },
    {
      case: 'a fraction of a core below a quarter',
      set: { 'component.computeResourceRequirements.cpus': 0.1 },
      rule: 'expected number to be >=0.25',
    },
    {
      case: 'a maximum memory below the minimum',
      set: { 'component.computeResourceRequirements.maxMemoryMb': 512 },
      rule: 'expected at least minMemoryMb',
    },
    {
      case: 'a rolling batch over 50% of the copies',
      set: { 'rollingUpdate.maximumBatchSize': { type: 'CAPACITY_PERCENT', value: 60 } },
      field: 'rollingUpdate.maximumBatchSize.value',
      rule: 'expected number to be <=50',
    },
    {
      case: 'a rolling batch under 5% of the copies',
      set: { 'rollingUpdate.maximumBatchSize': { type: 'CAPACITY_PERCENT', value: 2 } },
      field: 'rollingUpdate.maximumBatchSize.value',
      rule: 'expected number to be >=5',
    },
    {
      case: 'a wait between batches over an hour',
      set: { 'rollingUpdate.waitIntervalSeconds': 3601 },
      rule: 'expected number to be <=3600',
    },
    {
      case: 'an update timeout under 10 minutes',
      set: { 'rollingUpdate.maximumExecutionTimeoutSeconds': 300 },
      rule: 'expected number to be >=600',
    },
    {
      case: 'a copy count below 1 (no scale to zero here)',
      set: { 'component.copyCount': 0 },
      rule: 'expected number to be >=1',
    },
    {
      case: 'a copy count outside the autoscaling range (registering it would move the count)',
      set: { autoScaling: { minCapacity: 3, maxCapacity: 4, targetTracking: { targetValue: 100 } } },
      field: 'component.copyCount',
      rule: 'expected between autoScaling.minCapacity (3) and autoScaling.maxCapacity (4)',
    },
    {
      case: 'autoscaling to zero copies',
      set: { autoScaling: { minCapacity: 0, maxCapacity: 4, targetTracking: { targetValue: 100 } } },
      field: 'autoScaling.minCapacity',
      rule: 'expected number to be >=1',
    },
    {
      case: 'an autoscaling minimum over its maximum',
      set: { autoScaling: { minCapacity: 2, maxCapacity: 1, targetTracking: { targetValue: 100 } } },
      field: 'autoScaling.minCapacity',
      rule: 'expected at most maxCapacity',
    },
    {
      case: 'a target of no invocations per copy',
      set: { autoScaling: { minCapacity: 1, maxCapacity: 4, targetTracking: { targetValue: 0 } } },
      field: 'autoScaling.targetTracking.targetValue',
      rule: 'expected number to be >0',
    },
    {
      case: 'both a model name and a container',
      set: { 'component.modelName': 'churn-model' },
      rule: 'expected exactly one of modelName or container',
    },
    {
      case: 'neither a model name nor a container',
      set: { 'component.container': undefined },
      field: 'component',
      rule: 'expected exactly one of modelName or container',
    },
    {
      case: 'a component name that is not valid',
      set: { 'component.name': '-churn' },
      rule: 'starting and ending with a letter or digit',
    },
    {
      case: 'an artifact that is not a .tar.gz',
      set: { 'component.container.artifact': 's3://my-model-artifacts/churn/model.tar' },
      rule: 'expected the URI of a .tar.gz object',
    },
    {
      case: 'an image that is not an image URI',
      set: { 'component.container.image': 'not an image' },
      rule: 'expected an image reference registry/repository[:tag|@digest]',
    },
    {
      case: 'managed scaling whose minimum is over its maximum',
      set: { 'endpoint.managedInstanceScaling': { minInstanceCount: 3, maxInstanceCount: 2 } },
      field: 'endpoint.managedInstanceScaling.minInstanceCount',
      rule: 'expected at most maxInstanceCount',
    },
    {
      case: 'an initial instance count outside managed scaling',
      set: { 'endpoint.managedInstanceScaling': { minInstanceCount: 3, maxInstanceCount: 4 } },
      field: 'endpoint.initialInstanceCount',
      rule: 'expected between managedInstanceScaling.minInstanceCount and maxInstanceCount',
    },
    {
      case: 'a routing strategy SageMaker does not have',
      set: { 'endpoint.routingStrategy': 'ROUND_ROBIN' },
      rule: 'expected one of "LEAST_OUTSTANDING_REQUESTS"|"RANDOM"',
    },
    {
      case: 'a health check sample that targets a variant',
      set: { 'healthCheck.samples[0].targetVariant': 'AllTraffic' },
      rule: 'expected none: an inference component is invoked by its name',
    },
    {
      case: 'a health check sample that targets a container',
      set: { 'healthCheck.samples[0].targetContainerHostname': 'primary' },
      rule: 'only a multi-container endpoint invoked per container (Direct) takes a target container hostname',
    },
  ],
  RemoveInferenceComponent: [
    ...anyWorkflow,
    {
      case: 'an endpoint name with an underscore',
      set: { endpointName: 'shared_models' },
      rule: 'expected 1-63 letters, digits or hyphens',
    },
    { case: 'an endpoint name of 64 characters', set: { endpointName: 'e'.repeat(64) }, rule: 'expected 1-63 letters' },
    { case: 'no endpoint name', set: { endpointName: undefined }, rule: 'expected string, received undefined' },
    { case: 'no component', set: { component: undefined }, rule: 'expected object, received undefined' },
    {
      case: 'a component name starting with a hyphen',
      set: { 'component.name': '-x' },
      rule: 'starting and ending with a letter or digit',
    },
    {
      case: 'a component name of 64 characters',
      set: { 'component.name': 'c'.repeat(64) },
      rule: 'expected 1-63 letters',
    },
    {
      case: 'an unknown member of the component',
      set: { 'component.version': 2 },
      field: 'component',
      rule: 'Unrecognized key: "version"',
    },
    {
      case: 'deleteEndpointWhenEmpty as a string',
      set: { deleteEndpointWhenEmpty: 'yes' },
      rule: 'expected boolean, received string',
    },
    {
      case: 'a probe that targets a variant',
      set: { 'probe.targetVariant': 'AllTraffic' },
      field: 'probe',
      rule: 'Unrecognized key: "targetVariant"',
    },
    {
      case: 'a probe that targets a container',
      set: { 'probe.targetContainerHostname': 'primary' },
      field: 'probe',
      rule: 'Unrecognized key: "targetContainerHostname"',
    },
    {
      case: 'a probe with expectations (it is reported, not judged)',
      set: { 'probe.expectedStatus': 200 },
      field: 'probe',
      rule: 'Unrecognized key: "expectedStatus"',
    },
    { case: 'a probe without a body', set: { 'probe.body': undefined }, rule: 'expected string, received undefined' },
    {
      case: 'a probe content type with a line break',
      set: { 'probe.contentType': 'text/csv\n' },
      rule: 'expected printable ASCII characters',
    },
    { case: 'a first wait of 0 seconds', set: { 'wait.initialIntervalSeconds': 0 }, rule: 'expected number to be >=1' },
    {
      case: 'a longest wait shorter than the first',
      set: { wait: { initialIntervalSeconds: 60, maxIntervalSeconds: 30 } },
      field: 'wait.maxIntervalSeconds',
      rule: 'expected at least initialIntervalSeconds',
    },
    { case: 'a wait of more than a day', set: { 'wait.timeoutMinutes': 2000 }, rule: 'expected number to be <=1440' },
    { case: 'an unknown member', set: { force: true }, field: '', rule: 'Unrecognized key: "force"' },
  ],
};

const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:Workflow:run-1',
  name: 'run-1',
  startedAt: '2026-11-25T10:00:00.000Z',
};

describe.each(WORKFLOWS.map((w) => [w.name, w] as const))("%s's first state", (name, workflow) => {
  const table = TABLES[name];

  it('is tried with at least 20 bad inputs', () => {
    expect(table.length).toBeGreaterThanOrEqual(20);
  });

  it.each(table)('refuses $case, naming the field and the rule', (bad) => {
    const input = badInputOf(workflow.example, bad);
    const field = bad.field ?? Object.keys(bad.set ?? {})[0] ?? '';

    let error: unknown;
    try {
      validateFirstState(name, workflow.input, {
        input,
        execution: { ...EXECUTION, name: bad.executionName ?? EXECUTION.name },
      });
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InvalidInputError);
    const { message } = error as InvalidInputError;
    if (field !== '') expect(message).toContain(`${field}: `);
    expect(message).toContain(bad.rule);
    expect(message.length, message).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  });
});
