/**
 * The load-test steps, a fragment any workflow can run (LoadTestEndpoint on its own; RightSizeEndpoint once per
 * candidate, inside its Map iterator):
 *
 *   PrepareLoadTest -> ResolveLoadSamples -> GuardLiveTraffic -> IsLoadDistributed -> GenerateLoadInline (Map) | GenerateLoadDistributed (Distributed Map)
 *     -> JudgeLoadStep -> IsLoadTestDone -> (next slice or step: IsLoadDistributed) | WaitForMetrics -> ReportLoadTest
 *
 * Input: `$.loadTest.request`, a LoadTestRequest (contracts/parts/load-test.ts) with its defaults applied, and
 * `$.execution` ({ id, name }: the workflow's first state records it). Output: the same document with
 * `$.loadTest.report` (a LoadTestReport: each step's figures, SageMaker's, and the verdict; each step's merged
 * histogram and time windows under `$.loadTest.report.resultsUri`), next to what the steps kept while running
 * (`resultsPrefix`, `variants`, `steps`, `stoppedBy`, ...). A failure goes to `onError` with the error at `$.error`:
 * InvalidInputError (the endpoint, a target or a sample that the endpoint refuses; the live-traffic guard),
 * EndpointBusyError once the endpoint stayed busy too long, or a load generator's failure.
 *
 * Each step of the pattern runs as slices of at most 14 minutes; every worker of a slice is one GenerateLoad
 * function starting at the same moment. A step of more workers than an inline Map runs at once (LOAD_TEST
 * .maxInlineWorkers) runs them in a Distributed Map over the same inline items; it uses nothing a Distributed Map
 * offers beyond that (no ItemReader, ItemBatcher, ResultWriter or tolerated failures), so the local runner, which
 * runs it as an inline Map, runs it faithfully.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { failWithCaught, invoke, type TaskRefs } from './fragments.ts';
import { busyEndpointRetry } from './retry-policies.ts';
import { at } from './state-paths.ts';

/** The states of the load-test steps, by name; a workflow's state map includes them. */
export const LoadTestStepsStates = {
  PrepareLoadTest: 'PrepareLoadTest',
  ResolveLoadSamples: 'ResolveLoadSamples',
  GuardLiveTraffic: 'GuardLiveTraffic',
  IsLoadDistributed: 'IsLoadDistributed',
  GenerateLoadInline: 'GenerateLoadInline',
  GenerateLoad: 'GenerateLoad',
  LoadWorkerFailed: 'LoadWorkerFailed',
  GenerateLoadDistributed: 'GenerateLoadDistributed',
  GenerateLoadAtScale: 'GenerateLoadAtScale',
  LoadWorkerAtScaleFailed: 'LoadWorkerAtScaleFailed',
  JudgeLoadStep: 'JudgeLoadStep',
  IsLoadTestDone: 'IsLoadTestDone',
  WaitForMetrics: 'WaitForMetrics',
  ReportLoadTest: 'ReportLoadTest',
} as const;

const S = LoadTestStepsStates;

/** What each worker gets: the test's request and samples, where results go, the run, and its own item. */
const WORKER_INPUT = {
  'request.$': at('loadTest.request'),
  'invocations.$': at('loadTest.invocations'),
  'resultsPrefix.$': at('loadTest.resultsPrefix'),
  'step.$': at('loadTest.next.step'),
  'slice.$': at('loadTest.next.slice'),
  'windowSeconds.$': at('loadTest.request.options.windowSeconds'),
  'worker.$': '$$.Map.Item.Value',
};

/** One Map of workers, its iterator the GenerateLoad task (a failed worker fails the Map, and so the step). */
function workerMap(
  map: sfn.Map | sfn.DistributedMap,
  scope: Construct,
  taskState: string,
  failState: string,
  generateLoad: TaskRefs['GenerateLoad'],
) {
  const worker = invoke(scope, taskState, generateLoad).addCatch(failWithCaught(scope, failState, at('error')), {
    errors: [sfn.Errors.ALL],
    resultPath: at('error'),
  });
  map.itemProcessor(worker);
  return map;
}

/** The load-test steps; PrepareLoadTest is where they begin, `next` follows ReportLoadTest. */
export function loadTestSteps(
  scope: Construct,
  tasks: Pick<
    TaskRefs,
    'PrepareLoadTest' | 'ResolveLoadSamples' | 'GuardLiveTraffic' | 'GenerateLoad' | 'JudgeLoadStep' | 'ReportLoadTest'
  >,
  next: sfn.IChainable,
  onError: sfn.IChainable,
): sfn.TaskStateBase {
  const caught = { errors: [sfn.Errors.ALL], resultPath: at('error') };
  const mapProps = {
    itemsPath: at('loadTest.next.workers'),
    itemSelector: WORKER_INPUT,
    maxConcurrencyPath: at('loadTest.next.workerCount'),
    // The workers' results are in S3 (a step's would outgrow a state's 256 KiB); JudgeLoadStep reads them there.
    resultPath: sfn.JsonPath.DISCARD,
  };
  const inline = workerMap(
    new sfn.Map(scope, S.GenerateLoadInline, mapProps),
    scope,
    S.GenerateLoad,
    S.LoadWorkerFailed,
    tasks.GenerateLoad,
  ).addCatch(onError, caught);
  const distributed = workerMap(
    new sfn.DistributedMap(scope, S.GenerateLoadDistributed, {
      ...mapProps,
      // A worker runs up to 15 minutes: longer than an Express child execution may.
      mapExecutionType: sfn.StateMachineType.STANDARD,
    }),
    scope,
    S.GenerateLoadAtScale,
    S.LoadWorkerAtScaleFailed,
    tasks.GenerateLoad,
  ).addCatch(onError, caught);

  const report = invoke(scope, S.ReportLoadTest, tasks.ReportLoadTest).addCatch(onError, caught);
  report.next(next);
  const waitForMetrics = new sfn.Wait(scope, S.WaitForMetrics, {
    time: sfn.WaitTime.secondsPath(at('loadTest.request.options.metricsDelaySeconds')),
  }).next(report);
  const runWorkers = new sfn.Choice(scope, S.IsLoadDistributed)
    .when(sfn.Condition.booleanEquals(at('loadTest.next.distributed'), true), distributed)
    .otherwise(inline);
  const judge = invoke(scope, S.JudgeLoadStep, tasks.JudgeLoadStep).addCatch(onError, caught);
  inline.next(judge);
  distributed.next(judge);
  judge.next(
    new sfn.Choice(scope, S.IsLoadTestDone)
      .when(sfn.Condition.booleanEquals(at('loadTest.done'), true), waitForMetrics)
      .otherwise(runWorkers),
  );
  const prepare = invoke(scope, S.PrepareLoadTest, tasks.PrepareLoadTest, { extraRetries: [busyEndpointRetry] });
  const guard = invoke(scope, S.GuardLiveTraffic, tasks.GuardLiveTraffic).addCatch(onError, caught);
  const samples = invoke(scope, S.ResolveLoadSamples, tasks.ResolveLoadSamples).addCatch(onError, caught);
  prepare.addCatch(onError, caught).next(samples).next(guard).next(runWorkers);
  return prepare;
}

/** The longest a load test runs: its pattern (at most an hour), the metrics wait, and the steps around them. */
export const LOAD_TEST_TIMEOUT = Duration.hours(3);
