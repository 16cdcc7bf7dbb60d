/**
 * The fault matrix, in process: every workflow x every Task state of its synthesized definition x {a. lost result,
 * b. failed past its retries, then redriven, c. the emulator killed while the state runs}, generated from the definitions (a new workflow or step is covered with
 * no edit here). Each workflow runs its example input (workflows/<name>/workflow.ts) with the real handlers in the
 * local runner, against the emulator's cores in process (ScriptedSageMaker: control plane, lifecycle, Model Registry,
 * runtime, transform jobs, Application Auto Scaling, EventBridge, DynamoDB, CloudWatch GetMetricData, Service Quotas,
 * and the emulator's S3, its S3Api in process behind an S3 client's HTTP handler) with scripted model answers on a faked clock, the load generators' signed
 * requests answered in process on simulated clocks (load-in-process.ts), the example's S3 objects put in place as
 * `smwf run` puts them. The deploy workflows run twice: as a first deployment, and as an update of the endpoint an
 * earlier release deployed. A scenario passes when it ends where the uninterrupted run ends (the same endpoints with
 * the same status and config, configs, models, components, autoscaling registrations and S3 objects in every bucket,
 * asynchronous inference's outputs and failures included: nothing orphaned, nothing missing; each lifecycle event
 * type published, again at most under the same key; a load test's verdict of the same shape), or in a state the
 * README's "What happens when" table documents with nothing orphaned. A workflow the double does not run faithfully
 * (its uninterrupted example run does not succeed there) is listed as not run in process, naming what the double
 * refused. Fault c runs the double on a state
 * directory and kills it as SIGKILL kills the emulator, restarting it there (fault-matrix-killed.ts);
 * test/e2e/fault-matrix-emulator-killed.test.ts kills a real emulator process at DeployEndpoint's states and checks
 * that it ends as the double does.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LEASE_KEY_PREFIX } from '../../contracts/endpoint-lease.ts';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import type { LoadTestReport } from '../../contracts/parts/load-test.ts';
import type { RightSizeReport } from '../../contracts/parts/right-size.ts';
import { exampleBucketsNamedBy, namesExampleArtifact, putExampleArtifacts } from '../../examples/example-artifacts.ts';
import { projectRoot } from '../../infra/project-root.ts';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import {
  createLocalRunner,
  type ExecutionResult,
  type LocalRunner,
  type StartOptions,
} from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { executionHash } from '../../workflows/right-size-endpoint/plan.ts';
import { WORKFLOWS, type WorkflowName } from '../../workflows/workflows.ts';
import {
  differences,
  documentedEndStates,
  duplicateEvents,
  FAULTS,
  type Fault,
  failEveryResult,
  type Left,
  loseFirstResult,
  type MatrixRow,
  matrixTable,
  type Observation,
  type Outcome,
  observe,
  statesEntered,
  stateTypes,
  type TaskInterceptor,
  type TaskState,
  taskStates,
} from './fault-matrix.ts';
import { CallsByState, type Kill, killDuring } from './fault-matrix-killed.ts';
import { answerLoadInProcess } from './load-in-process.ts';

const START = new Date('2026-11-25T09:00:00Z');
// The stack as the examples run (README, Running the examples): its grants name the example inputs' buckets.
const workflows = await loadSynthesizedWorkflows(
  { account: '123456789012', region: 'us-east-1' },
  { deploymentConfig: join(projectRoot, 'examples/smwf.examples.config.json') },
);
/**
 * The local runner of the part under way: made per test file (faultMatrix's beforeAll), since the environment it
 * sets for the steps is undone when a file ends (test/setup.ts) and the files share worker processes.
 */
let runner: LocalRunner;
const exampleOf = new Map<string, unknown>(WORKFLOWS.map((w) => [w.name, w.example]));

/**
 * What the example models answer, in the linear example's shapes: JSON predictions (what the example health checks
 * look for), or one CSV line per record for a caller that accepts text/csv (a batch job joins each with its record).
 */
const answers = (_model: string, body: string, headers: Readonly<Record<string, string>>) => {
  if (headers.accept?.startsWith('text/csv')) {
    const records = body.split('\n').filter((line) => line.trim() !== '');
    return { status: 200, body: records.map(() => '0.5\n').join(''), contentType: 'text/csv' };
  }
  return { status: 200, body: JSON.stringify({ predictions: [0.5] }) };
};

/**
 * What a workflow's example needs in place before it runs, made as a user makes it (the README's "Running the
 * examples" order): a workflow that needs nothing is not listed.
 */
const PREREQUISITES: Partial<Record<WorkflowName, () => Promise<void>>> = {
  CreateEndpointConfig: () => runExample('CreateModel'),
  AddModelToMultiModelEndpoint: () => runExample('DeployMultiModelEndpoint'),
  RemoveModelFromMultiModelEndpoint: async () => {
    await runExample('DeployMultiModelEndpoint');
    await runExample('AddModelToMultiModelEndpoint');
  },
  LoadTestEndpoint: () => runExample('DeployEndpoint'),
  RemoveInferenceComponent: () => runExample('DeployInferenceComponent'),
  DeployApprovedModelPackage: registerExamplePackage,
};

let aws: ScriptedSageMaker | undefined;
/** Puts the load generator's HTTP transport back (the double answers it while installed). */
let restoreLoadTransport = () => {};
let executions = 0;
/** The calls each Task state of the workflow under way made in its runs so far (what fault c is named after). */
let callsByState = new CallsByState();
const onWait = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);
/**
 * How long each load-test request takes on its worker's simulated clock: under the examples' latency threshold (P95
 * 250 ms), so every step passes as on a quiet machine, and few requests (5 a second a user) to answer.
 */
const LOAD_LATENCY_MS = 200;

/**
 * The input of an earlier release of a deploy workflow's example: its variants on another instance type (so another
 * endpoint config, which the example's run then updates the endpoint from). Undefined for an input without variants.
 */
function previousRelease(input: unknown): unknown {
  const copy = structuredClone(input) as { variants?: unknown; deployment?: { variants?: unknown } };
  const variants = copy.variants ?? copy.deployment?.variants;
  if (!Array.isArray(variants)) return undefined;
  for (const variant of variants as { instanceType?: string }[]) {
    variant.instanceType = variant.instanceType === 'ml.c5.xlarge' ? 'ml.c5.2xlarge' : 'ml.c5.xlarge';
  }
  return copy;
}

/**
 * The workflows that load-test (a GenerateLoad state): the longest runs of the matrix (RightSizeEndpoint deploys,
 * tests and deletes four candidates), in a part of their own so that it runs beside the others.
 */
export const LOAD_TEST_WORKFLOWS: WorkflowName[] = WORKFLOWS.filter((w) =>
  taskStates(workflows.definitions[w.name] as { States?: unknown }).some((t) => t.name === 'GenerateLoad'),
).map((w) => w.name);

/** The workflows that deploy an endpoint of their own config (StartDeployment), which the matrix also runs as updates. */
export const UPDATE_WORKFLOWS: WorkflowName[] = WORKFLOWS.filter(
  (w) =>
    taskStates(workflows.definitions[w.name] as { States?: unknown }).some((t) => t.name === 'StartDeployment') &&
    previousRelease(w.example) !== undefined,
).map((w) => w.name);

/**
 * A state directory that holds what a workflow's scenarios start from (its example's S3 objects, its prerequisites,
 * and for an update the earlier release), as a double on it left it, the double and the time then. Each fault c
 * scenario of the workflow starts a double on a copy of it (the emulator's own loading and resuming, as `smwf local
 * start` on it again), and so does every other scenario of a workflow whose start takes runs of its own
 * (PREREQUISITES, an update's earlier release), instead of making them again.
 */
let prepared: { label: string; dir: string; double: ScriptedSageMaker; now: number } | undefined;

/** Removes the prepared state directory, if any. */
function forgetPrepared(): void {
  if (prepared !== undefined) rmSync(prepared.dir, { recursive: true, force: true });
  prepared = undefined;
}

/**
 * A fresh SageMaker in process, at the same instant, with the workflow's prerequisites in place, and for an update
 * the endpoint an earlier release deployed (uninterrupted), serving: in memory (a workflow that needs nothing but its
 * S3 objects), or started on a copy of the prepared state directory (`killable`, for fault c, and a workflow whose
 * start takes runs of its own).
 */
async function freshSageMaker(workflow: WorkflowName, update = false, killable = false): Promise<ScriptedSageMaker> {
  if (!killable && !update && PREREQUISITES[workflow] === undefined) return withPrerequisites(workflow, update);
  const label = update ? `${workflow} (update)` : workflow;
  if (prepared?.label !== label) {
    forgetPrepared();
    const stateDir = mkdtempSync(join(tmpdir(), 'smwf-matrix-'));
    const double = await withPrerequisites(workflow, update, stateDir);
    await double.settled();
    const dir = mkdtempSync(join(tmpdir(), 'smwf-matrix-prepared-'));
    cpSync(stateDir, dir, { recursive: true });
    prepared = { label, dir, double, now: Date.now() };
  }
  aws?.restore();
  vi.setSystemTime(prepared.now);
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-matrix-'));
  cpSync(prepared.dir, stateDir, { recursive: true });
  aws = await ScriptedSageMaker.startOn(
    { instanceTypes: HOSTING_INSTANCE_RESOURCES, script: { answers }, stateDir },
    prepared.double,
  );
  aws.install();
  callsByState.watch(aws);
  return aws;
}

/** A fresh SageMaker at the first instant, in memory or on `stateDir`, with what `workflow` needs made in it. */
async function withPrerequisites(
  workflow: WorkflowName,
  update: boolean,
  stateDir?: string,
): Promise<ScriptedSageMaker> {
  aws?.restore();
  restoreLoadTransport();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
  aws = new ScriptedSageMaker({
    instanceTypes: HOSTING_INSTANCE_RESOURCES,
    script: { answers },
    ...(stateDir === undefined ? {} : { stateDir }),
  });
  aws.install();
  restoreLoadTransport = answerLoadInProcess(() => aws as ScriptedSageMaker, {
    latencyMs: LOAD_LATENCY_MS,
    moveTime: (ms) => {
      if (ms > Date.now()) vi.setSystemTime(ms);
    },
  });
  await putArtifactsNamedBy(exampleOf.get(workflow));
  await PREREQUISITES[workflow]?.();
  if (update) await runExample(workflow, previousRelease(exampleOf.get(workflow)));
  // The states' calls are the runs' own, not their prerequisites' (an update's earlier release made another change).
  callsByState.watch(aws);
  return aws;
}

function run(workflow: string, options: StartOptions = {}, input = exampleOf.get(workflow)): Promise<ExecutionResult> {
  executions += 1;
  const interceptTask = callsByState.tracking(options.interceptTask);
  return runner.start(workflow, input, { name: `matrix-${executions}`, onWait, ...options, interceptTask }).result;
}

/** The example S3 objects an input reads, as `smwf run` puts them in place (only those it names: fewer writes). */
async function putArtifactsNamedBy(input: unknown): Promise<void> {
  await putExampleArtifacts(new S3Client({}), exampleBucketsNamedBy(input), namesExampleArtifact(input));
}

async function runExample(workflow: WorkflowName, input = exampleOf.get(workflow)): Promise<void> {
  await putArtifactsNamedBy(input);
  const result = await run(workflow, {}, input);
  if (result.status !== 'SUCCEEDED') {
    throw new Error(`prerequisite ${workflow} ended ${result.status}: ${result.error}: ${errorMessageOf(result)}`);
  }
}

/** The Model Registry package DeployApprovedModelPackage's example event names (churn/1, approved). */
async function registerExamplePackage(): Promise<void> {
  const sagemaker = new SageMakerClient({});
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' }));
  await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: 'churn',
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [
          {
            Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
            ModelDataUrl: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz',
          },
        ],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['application/json'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
      },
    }),
  );
}

/**
 * What a user sees after a run. With `executionArn`, the names that differ from one execution to the next are made
 * the same: the execution's name in the keys of what it writes (a load test's results, its reports) and the execution
 * hash of RightSizeEndpoint's throwaway names, so that a faulted run compares with the uninterrupted one.
 */
async function observed(double: ScriptedSageMaker, executionArn?: string): Promise<Observation> {
  const observation = await observe({ objects: () => double.objects.keys(), events: () => double.readEvents() });
  if (executionArn === undefined) return observation;
  const name = executionArn.split(':').at(-1) as string;
  const text = JSON.stringify(observation)
    .replace(new RegExp(`/${name}/`, 'g'), '/<execution>/')
    .replaceAll(executionHash(executionArn), '<execution>');
  return JSON.parse(text) as Observation;
}

/**
 * What a user relies on in the output of the workflows whose figures are measured (and so vary from run to run): the
 * verdict's shape, without its figures. The other workflows' outputs are not compared (what they leave is).
 */
const VERDICT_SHAPES: Partial<Record<WorkflowName, (output: unknown) => unknown>> = {
  LoadTestEndpoint: (output) => {
    const report = output as LoadTestReport;
    return {
      steps: report.steps.map((s) => `step ${s.step}: ${s.users} users, ${s.passed ? 'passed' : 'failed'}`),
      verdict: `highest passing step ${report.verdict.highestPassingStep} (${report.verdict.users} users), stopped by ${report.verdict.stoppedBy.condition}`,
      reportFiles: Object.keys(report.reportFiles ?? {}).sort(),
    };
  },
  RightSizeEndpoint: (output) => {
    const report = output as RightSizeReport;
    return {
      candidates: report.candidates.map(
        (c) =>
          `${c.label}: ${c.outcome}, rank ${c.rank}, ${c.meetsTarget ? 'meets' : 'misses'} the target, steps ${c.steps.map((s) => (s.passed ? 'passed' : 'failed')).join(' ')}`,
      ),
      recommendation: report.recommendation?.label ?? `none: ${report.noRecommendationBecause}`,
      reportFiles: Object.keys(report.reportFiles ?? {}).sort(),
    };
  },
};

/**
 * What the matrix found that is not fixed yet, as `Workflow State fault` (the README's "Open gaps" names each): none
 * (every one it found is closed: README, "Closed gaps"). Listed here so the suite stays green while one is open, and
 * fails when one is fixed (remove it from the list) or a new one appears.
 */
const KNOWN_GAPS = new Set<string>([]);

/** The message of the error an execution failed with (its cause is Lambda's error document). */
function errorMessageOf(result: ExecutionResult): string {
  try {
    return String((JSON.parse(result.cause ?? '{}') as { errorMessage?: string }).errorMessage).slice(0, 160);
  } catch {
    return (result.cause ?? '').slice(0, 160);
  }
}

/** Why a workflow is not run in process: the failure of its uninterrupted run, or the failure it went through. */
function notFaithful(result: ExecutionResult, types: Map<string, string>): string | undefined {
  if (result.status !== 'SUCCEEDED') return `${result.error}: ${errorMessageOf(result)}`;
  const failState = statesEntered(result).find((s) => types.get(s) === 'Fail');
  if (failState !== undefined) return `its run went through ${failState}`;
  return undefined;
}

/**
 * The workflows the in-process SageMaker cannot run faithfully, and the refusal each must end with (any other
 * failure of an uninterrupted run, or another workflow dropping out, fails its test). None now: the load tests'
 * signed requests are answered in process too (load-in-process.ts), and CloudWatch and Service Quotas by the
 * emulator's own code in the double.
 */
const NOT_IN_PROCESS: Record<string, RegExp> = {};

/**
 * Every fault at every Task state of `workflow`: its example as a first deployment, or (`update`) as an update of
 * the endpoint an earlier release of it deployed, which serves when the run starts.
 */
async function matrixOf(
  workflow: WorkflowName,
  update: boolean,
  rows: MatrixRow[],
  notInProcess: string[],
): Promise<void> {
  const label = update ? `${workflow} (update)` : workflow;
  callsByState = new CallsByState();
  const definition = workflows.definitions[workflow] as { States?: unknown };
  const types = stateTypes(definition);
  const documented = documentedEndStates();

  let prepared: ScriptedSageMaker;
  try {
    prepared = await freshSageMaker(workflow, update);
  } catch (error) {
    // A prerequisite that does not run in process is its own workflow's refusal (none is allowed here).
    notInProcess.push(`${label}: ${(error as Error).message}`);
    expect((error as Error).message, `${workflow}'s prerequisites no longer run in process`).toMatch(/^(?!)/);
    return;
  }
  const before = await observed(prepared);
  const uninterrupted = await run(workflow);
  const reason = notFaithful(uninterrupted, types);
  if (reason !== undefined) {
    notInProcess.push(`${label}: ${reason}`);
    expect(reason, `${workflow} no longer runs in process`).toMatch(NOT_IN_PROCESS[workflow] ?? /^(?!)/);
    return;
  }
  const expected = await observed(aws as ScriptedSageMaker, latestExecutionArn(workflow));
  const reached = new Set(statesEntered(uninterrupted));
  const verdictShape = VERDICT_SHAPES[workflow];
  const expectedVerdict = JSON.stringify(verdictShape?.(uninterrupted.output));
  // The example's load passes every step on the simulated clock (each request under its latency threshold): a
  // reference verdict that failed would leave the scenarios nothing meaningful to be compared with.
  if (verdictShape !== undefined) {
    // A candidate that failed carries the error it failed with (the verdict's shape leaves it out).
    const failures = ((uninterrupted.output as Partial<RightSizeReport> | undefined)?.candidates ?? [])
      .filter((c) => c.failure !== undefined)
      .map((c) => `${c.label}: ${c.failure?.error}: ${c.failure?.cause}`);
    expect(expectedVerdict, `${workflow}'s uninterrupted verdict ${failures.join('; ')}`).not.toMatch(
      /failed|misses|none:|null/,
    );
  }

  /** How a faulted run ended, against the uninterrupted run and against where it started. */
  const judge = async (result: ExecutionResult, how: string, faultInRollback: boolean): Promise<Outcome> => {
    const double = aws as ScriptedSageMaker;
    const now = await observed(double, latestExecutionArn(workflow));
    const duplicates = duplicateEvents(await double.readEvents()).length;
    const endState = statesEntered(result).at(-1) ?? '';
    if (result.status === 'SUCCEEDED') {
      const diff = differences(expected, now);
      const verdict = JSON.stringify(verdictShape?.(result.output));
      if (verdict !== expectedVerdict) diff.push(`verdict: expected ${expectedVerdict}, got ${verdict}`);
      if (diff.length === 0) return { kind: 'converged', how, duplicates };
      // A run that goes on past a failure it tolerates (a right-sizing candidate that failed) succeeds with another
      // verdict: it must end as the README's table says, with nothing orphaned.
      if (!documented.has(`${workflow} ${endState}`)) return { kind: 'diverged', how: `${how}; ${diff.join('; ')}` };
    }
    // Nothing orphaned: what there was before the run (rolled back; a lease object the run took stays, released),
    // or what an uninterrupted run leaves (the work was done; only its outcome was not reported).
    const leftAsBefore = differences(withoutLeases(before), withoutLeases(now), true);
    const leftAsDone = differences(expected, now, true);
    // Or what there was before the run and outputs the work wrote (a finished transform job's), as the uninterrupted
    // run wrote them: every object there was stays, and every new one is one the uninterrupted run also has.
    const added = now.objects.filter((key) => !before.objects.includes(key));
    const onlyOutputsAdded =
      before.objects.every((key) => now.objects.includes(key)) &&
      added.length > 0 &&
      added.every((key) => expected.objects.includes(key)) &&
      differences(withoutLeases(before), withoutLeases({ ...now, objects: before.objects }), true).length === 0;
    const left: Left | undefined =
      leftAsBefore.length === 0
        ? 'before'
        : leftAsDone.length === 0
          ? 'done'
          : onlyOutputsAdded
            ? 'outputs'
            : undefined;
    const leftText = {
      before: 'as before the run',
      done: 'as an uninterrupted run leaves it',
      outputs: "as before the run, with the job's outputs",
      partial: 'as the rollback left it',
    };
    const ending = `${result.status} in ${endState}${result.error === undefined ? '' : ` (${result.error})`}, ${left ? leftText[left] : `against before the run: ${leftAsBefore.join('; ')}; against an uninterrupted run: ${leftAsDone.join('; ')}`}`;
    const documentedLeft = documented.get(`${workflow} ${endState}`);
    if (left !== undefined && documentedLeft?.has(left)) {
      return { kind: 'documented', how: `${how}; ${ending}`, duplicates };
    }
    // A rollback whose own step failed (the fault was put there) leaves what it had not undone, by design: its event
    // names it for a human. A rollback that fails by itself is not that: it is judged as any other end.
    if (faultInRollback && documentedLeft?.has('partial'))
      return { kind: 'documented', how: `${how}; ${ending}; needs a human`, duplicates };
    const why =
      documentedLeft === undefined
        ? `the README does not document ${endState}`
        : `the README says ${endState} leaves it ${[...documentedLeft].map((l) => leftText[l]).join(' or ')}`;
    return { kind: 'diverged', how: `${how}; ${ending}; ${why}` };
  };

  /** The states the latest faulted run entered before it ended (or was redriven). */
  let faultedPath: string[] = [];
  /** Runs one fault at `task` (after fault b at `after`, whose path leads to it) and judges how it ends. */
  const scenario = async (task: TaskState, fault: Fault, after?: TaskState): Promise<Outcome> => {
    await freshSageMaker(workflow, update);
    const fired = { count: 0 };
    const first = after ? failEveryResult(after.name, { count: 0 }) : undefined;
    const fault1 = fault === FAULTS.lostResult ? loseFirstResult(task.name, fired) : failEveryResult(task.name, fired);
    const interceptTask: TaskInterceptor = first
      ? (invocation, invoke) => first(invocation, () => fault1(invocation, invoke))
      : fault1;
    const prefix = after ? `after b at ${after.name}: ` : '';
    const failed = await run(workflow, { interceptTask });
    faultedPath = statesEntered(failed);
    let outcome: Outcome;
    if (fault === FAULTS.lostResult && failed.status === 'SUCCEEDED') {
      outcome = await judge(
        failed,
        `${prefix}${task.retried ? 'retried' : `not retried, caught to ${task.caughtTo}`}`,
        after !== undefined,
      );
    } else if (failed.status === 'SUCCEEDED') {
      // A Catch may lead to a path that still succeeds (a step whose failure the workflow tolerates).
      outcome = await judge(
        failed,
        `${prefix}failed ${fired.count} time(s), caught to ${task.caughtTo}, went on`,
        after !== undefined,
      );
    } else {
      const redriven = await runner.redrive(latestExecutionArn(workflow), { onWait }).result;
      const how = fault === FAULTS.lostResult ? 'retried' : `failed ${fired.count} time(s)`;
      outcome = await judge(redriven, `${prefix}${how}, redriven`, after !== undefined);
    }
    if (fired.count === 0) return { kind: 'diverged', how: `${prefix}the fault never fired` };
    if (outcome.kind === 'diverged' && KNOWN_GAPS.has(`${label} ${task.name} ${fault}`)) {
      return { kind: 'known gap', how: outcome.how };
    }
    return outcome;
  };

  /** Fault c at `task` (after fault b at `after`, whose path leads to it), judged as the other faults. */
  const killedScenario = async (task: TaskState, after?: TaskState): Promise<Outcome> => {
    await freshSageMaker(workflow, update, true);
    const kill: Kill = { how: undefined };
    const killer = killDuring(
      task.name,
      callsByState.namedOperation(task.name),
      () => aws as ScriptedSageMaker,
      (restarted) => {
        aws = restarted;
      },
      kill,
    );
    const first = after ? failEveryResult(after.name, { count: 0 }) : undefined;
    const interceptTask: TaskInterceptor = first
      ? (invocation, invoke) => first(invocation, () => killer(invocation, invoke))
      : killer;
    const prefix = after ? `after b at ${after.name}: ` : '';
    const killed = await run(workflow, { interceptTask });
    let outcome: Outcome;
    if (killed.status === 'SUCCEEDED') {
      outcome = await judge(killed, `${prefix}${kill.how}, restarted, went on`, after !== undefined);
    } else {
      const failure = `${killed.status} in ${statesEntered(killed).at(-1)} (${killed.error})`;
      const redriven = await runner.redrive(latestExecutionArn(workflow), { onWait }).result;
      outcome = await judge(redriven, `${prefix}${kill.how}, restarted, ${failure}, redriven`, after !== undefined);
    }
    if (kill.how === undefined) return { kind: 'diverged', how: `${prefix}the emulator was never killed` };
    if (outcome.kind === 'diverged' && KNOWN_GAPS.has(`${label} ${task.name} ${FAULTS.emulatorKilled}`)) {
      return { kind: 'known gap', how: outcome.how };
    }
    return outcome;
  };

  // Every Task state the uninterrupted run enters, and the states each fault b's run went through on its way out.
  const tasks = taskStates(definition);
  const throughFailure = new Map<string, TaskState>();
  for (const task of tasks.filter((t) => reached.has(t.name))) {
    rows.push({
      workflow: label,
      state: task.name,
      fault: FAULTS.lostResult,
      outcome: await scenario(task, FAULTS.lostResult),
    });
    const outcome = await scenario(task, FAULTS.failedThenRedriven);
    rows.push({ workflow: label, state: task.name, fault: FAULTS.failedThenRedriven, outcome });
    rows.push({ workflow: label, state: task.name, fault: FAULTS.emulatorKilled, outcome: await killedScenario(task) });
    // The latest path out of a scenario that left no orphan (the later the failure, the more a rollback has to
    // undo), so that a fault on it is judged on its own.
    if (outcome.kind !== 'documented' && outcome.kind !== 'converged') continue;
    for (const state of faultedPath) if (!reached.has(state)) throughFailure.set(state, task);
  }
  // The states only a failure leads to (the rollback path): each fault there, after the fault b that leads there.
  for (const task of tasks.filter((t) => !reached.has(t.name))) {
    const after = throughFailure.get(task.name);
    for (const fault of [FAULTS.lostResult, FAULTS.failedThenRedriven] as Fault[]) {
      const outcome: Outcome = after
        ? await scenario(task, fault, after)
        : { kind: 'not reached', how: "on no path of the example's input" };
      rows.push({ workflow: label, state: task.name, fault, outcome });
    }
    const killed: Outcome = after
      ? await killedScenario(task, after)
      : { kind: 'not reached', how: "on no path of the example's input" };
    rows.push({ workflow: label, state: task.name, fault: FAULTS.emulatorKilled, outcome: killed });
  }

  forgetPrepared();
  const own = rows.filter((r) => r.workflow === label);
  const problems = own.filter((r) => r.outcome.kind === 'diverged');
  expect(problems.map((r) => `${r.state} ${r.fault}: ${r.outcome.how}`)).toEqual([]);
  const gaps = own.filter((r) => r.outcome.kind === 'known gap').map((r) => `${label} ${r.state} ${r.fault}`);
  // This label's gaps: its name, then a state name (DeployEndpoint's are not DeployEndpoint (update)'s).
  const ownGap = (gap: string) => gap.startsWith(`${label} `) && /^[A-Za-z0-9]+ /.test(gap.slice(label.length + 1));
  expect(gaps.sort()).toEqual([...KNOWN_GAPS].filter(ownGap).sort());
}

/** Which of the matrix's runs a test file takes: first runs of some workflows, updates of some deploy workflows. */
export interface MatrixPart {
  /** Named in the printed table's title. */
  readonly title: string;
  readonly firstRuns: readonly WorkflowName[];
  /** Of UPDATE_WORKFLOWS. */
  readonly updates: readonly WorkflowName[];
}

/**
 * Defines one part of the matrix in the calling test file: a test per workflow (and per update), and, after them,
 * the part's table with its totals. The matrix is split over files so that its parts spread over the workers.
 */
export function faultMatrix(part: MatrixPart): void {
  const rows: MatrixRow[] = [];
  const notInProcess: string[] = [];
  let unbindStepFunctions = () => {};
  let started = 0;
  let executionsBefore = 0;

  beforeAll(async () => {
    // The load generator signs its requests as on Lambda, with the region and credentials of the environment (any
    // will do: the double checks no signature); undone when the file ends (test/setup.ts).
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'scripted';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'scripted';
    runner = await createLocalRunner({ waitTimeMs: 0, retryIntervalMs: 0, workflows });
    // The steps that wait on a task token complete it through Step Functions' API: the runner's, in process.
    unbindStepFunctions = bindLocalStepFunctions(runner);
    started = performance.now();
    executionsBefore = executions;
  });

  afterAll(() => {
    unbindStepFunctions();
    aws?.restore();
    aws = undefined;
    restoreLoadTransport();
    forgetPrepared();
    vi.useRealTimers();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const title = `Fault matrix, in process, ${part.title} (${executions - executionsBefore} executions, ${seconds} s)`;
    process.stdout.write(
      `\n${matrixTable(rows, title)}\n` +
        (notInProcess.length > 0 ? `not run in process:\n${notInProcess.map((l) => `  ${l}`).join('\n')}\n` : ''),
    );
  });

  if (part.firstRuns.length > 0) {
    describe.each(part.firstRuns.map((name) => [name] as const))('the fault matrix of %s', (workflow) => {
      it('ends every fault at every Task state where an uninterrupted run ends, or in its documented state', () =>
        matrixOf(workflow, false, rows, notInProcess));
    });
  }
  if (part.updates.length > 0) {
    describe.each(part.updates.map((name) => [name] as const))('the fault matrix of %s as an update', (workflow) => {
      it('ends every fault where an uninterrupted update of a serving endpoint ends, or in its documented state', () =>
        matrixOf(workflow, true, rows, notInProcess));
    });
  }
}

/** An observation without the endpoint leases' objects (a run leaves the lease it took, released). */
function withoutLeases(observation: Observation): Observation {
  return { ...observation, objects: observation.objects.filter((key) => !key.includes(`/${LEASE_KEY_PREFIX}`)) };
}

/** The ARN of the latest execution `run` started. */
function latestExecutionArn(workflow: string): string {
  const stateMachineArn = workflows.stateMachineArns[workflow] ?? '';
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:matrix-${executions}`;
}
