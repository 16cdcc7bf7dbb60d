/**
 * The fault matrix, in process: every workflow x every Task state of its synthesized definition x {a. lost result,
 * b. failed past its retries, then redriven}, generated from the definitions (a new workflow or step is covered with
 * no edit here). Each workflow runs its example input (workflows/<name>/workflow.ts) with the real handlers in the
 * local runner, against the emulator's SageMaker core in process (ScriptedSageMaker: control plane, lifecycle, Model
 * Registry, runtime, Application Auto Scaling, EventBridge and the S3 objects of the endpoint leases) on a faked
 * clock. A scenario passes when it ends where the uninterrupted run ends (the same endpoints with the same status
 * and config, configs, models, components, autoscaling registrations and S3 objects: nothing orphaned, nothing
 * missing; each lifecycle event type published, again at most under the same key), or in a state the README's "What
 * happens when" table documents with nothing orphaned. A workflow the double does not run faithfully (its
 * uninterrupted example run does not succeed there: it reads S3 listings, runs transform jobs or sends load over
 * HTTP) is listed as not run in process, naming what the double refused. Fault c (the emulator killed) needs a real
 * emulator process: test/e2e/fault-matrix-emulator-killed.test.ts.
 */
import { CreateModelPackageCommand, CreateModelPackageGroupCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import { ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type ExecutionResult, type StartOptions } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { bindLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { WORKFLOWS, type WorkflowName } from '../../workflows/workflows.ts';
import {
  differences,
  documentedEndStates,
  documentedLeft,
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

const START = new Date('2026-11-25T09:00:00Z');
const workflows = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
const runner = await createLocalRunner({ waitTimeMs: 0, retryIntervalMs: 0, workflows });
// The steps that wait on a task token complete it through Step Functions' API: the runner's, in process.
const unbindStepFunctions = bindLocalStepFunctions(runner);
const exampleOf = new Map<string, unknown>(WORKFLOWS.map((w) => [w.name, w.example]));

/** What the example models answer: the linear example's answer shape, which the example health checks expect. */
const answers = () => ({ status: 200, body: JSON.stringify({ predictions: [0.5] }) });

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
let executions = 0;
const onWait = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

/** A fresh SageMaker in process, at the same instant, with the workflow's prerequisites in place. */
async function freshSageMaker(workflow: WorkflowName): Promise<ScriptedSageMaker> {
  aws?.restore();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(START);
  aws = new ScriptedSageMaker({ instanceTypes: HOSTING_INSTANCE_RESOURCES, script: { answers } });
  aws.install();
  await PREREQUISITES[workflow]?.();
  return aws;
}

function run(workflow: string, options: StartOptions = {}): Promise<ExecutionResult> {
  executions += 1;
  return runner.start(workflow, exampleOf.get(workflow), { name: `matrix-${executions}`, onWait, ...options }).result;
}

async function runExample(workflow: WorkflowName): Promise<void> {
  const result = await run(workflow);
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

function observed(double: ScriptedSageMaker): Promise<Observation> {
  return observe({ objects: () => double.objects.keys(), events: () => double.events });
}

/**
 * Orphans the matrix found that are not fixed yet, as `Workflow State fault`: a step that created a resource and
 * whose result was lost on every attempt (fault b) leaves the resource unrecorded in the state, so the rollback,
 * which undoes what the state records, does not delete it. Listed here (and in the README) so the suite stays green
 * while they are open, and fails when one is fixed (remove it from the list) or a new one appears.
 */
const KNOWN_GAPS = new Set([
  'DeployEndpoint CreateModel b. failed, redriven',
  'DeployEndpoint CreateEndpointConfig b. failed, redriven',
  'DeployEndpoint StartDeployment b. failed, redriven',
  'DeployMultiContainerEndpoint CreateModel b. failed, redriven',
  'DeployMultiContainerEndpoint CreateEndpointConfig b. failed, redriven',
  'DeployMultiContainerEndpoint StartDeployment b. failed, redriven',
  'DeploySerialPipeline CreateModel b. failed, redriven',
  'DeploySerialPipeline CreateEndpointConfig b. failed, redriven',
  'DeploySerialPipeline StartDeployment b. failed, redriven',
  'DeployApprovedModelPackage CreateModel b. failed, redriven',
  'DeployApprovedModelPackage CreateEndpointConfig b. failed, redriven',
  'DeployApprovedModelPackage StartDeployment b. failed, redriven',
  'DeployInferenceComponent EnsureComponentEndpoint b. failed, redriven',
  'DeployInferenceComponent StartComponentDeployment b. failed, redriven',
]);

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
 * failure of an uninterrupted run, or another workflow dropping out, fails its test): the scripted S3 objects answer
 * no listing (PackageModel's source prefix, a batch input prefix, a multi-model endpoint's artifacts), and the load
 * generator sends its signed requests over its own HTTP connections, which reach no server in process (it fails
 * before the first, on the SDK's missing region for signing).
 */
const NOT_IN_PROCESS: Record<string, RegExp> = {
  PackageModel: /S3 ListObjectsV2 is not answered by the scripted S3 objects/,
  BatchTransform: /S3 ListObjectsV2 is not answered by the scripted S3 objects/,
  DeployMultiModelEndpoint: /S3 ListObjectsV2 is not answered by the scripted S3 objects/,
  LoadTestEndpoint: /Region is missing/,
  RightSizeEndpoint: /Region is missing/,
};

const rows: MatrixRow[] = [];
const notInProcess: string[] = [];
const matrixStarted = performance.now();

afterAll(() => {
  unbindStepFunctions();
  aws?.restore();
  vi.useRealTimers();
  const seconds = ((performance.now() - matrixStarted) / 1000).toFixed(1);
  process.stdout.write(
    `\n${matrixTable(rows, `Fault matrix, in process (${executions} executions, ${seconds} s)`)}\n` +
      (notInProcess.length > 0 ? `not run in process:\n${notInProcess.map((l) => `  ${l}`).join('\n')}\n` : ''),
  );
});

describe.each(WORKFLOWS.map((w) => [w.name] as const))('the fault matrix of %s', (workflow) => {
  it('ends every fault at every Task state where an uninterrupted run ends, or in its documented state', async () => {
    const definition = workflows.definitions[workflow] as { States?: unknown };
    const types = stateTypes(definition);
    const documented = documentedEndStates();

    let prepared: ScriptedSageMaker;
    try {
      prepared = await freshSageMaker(workflow);
    } catch (error) {
      notInProcess.push(`${workflow}: ${(error as Error).message}`);
      expect((error as Error).message).toMatch(/^prerequisite /);
      return;
    }
    const before = await observed(prepared);
    const uninterrupted = await run(workflow);
    const reason = notFaithful(uninterrupted, types);
    if (reason !== undefined) {
      notInProcess.push(`${workflow}: ${reason}`);
      expect(reason, `${workflow} no longer runs in process`).toMatch(NOT_IN_PROCESS[workflow] ?? /^(?!)/);
      return;
    }
    const expected = await observed(aws as ScriptedSageMaker);
    const reached = new Set(statesEntered(uninterrupted));

    /** How a faulted run ended, against the uninterrupted run and against where it started. */
    const judge = async (result: ExecutionResult, how: string, faulted: string): Promise<Outcome> => {
      const double = aws as ScriptedSageMaker;
      const now = await observed(double);
      const duplicates = duplicateEvents(double.events).length;
      if (result.status === 'SUCCEEDED') {
        const diff = differences(expected, now);
        return diff.length === 0
          ? { kind: 'converged', how, duplicates }
          : { kind: 'diverged', how: `${how}; ${diff.join('; ')}` };
      }
      const endState = statesEntered(result).at(-1) ?? '';
      // Nothing orphaned: what there was before the run (rolled back; the lease object stays, released), or what an
      // uninterrupted run leaves (the work was done; only its outcome was not reported).
      const leftAsBefore = differences(before, now, true).filter((d) => !d.startsWith('objects'));
      const leftAsDone = differences(expected, now, true);
      const left: Left | undefined =
        leftAsBefore.length === 0 ? 'before' : leftAsDone.length === 0 ? 'done' : undefined;
      const leftText = {
        before: 'as before the run',
        done: 'as an uninterrupted run leaves it',
        partial: 'as the rollback left it',
      };
      const ending = `${result.status} in ${endState} (${result.error}), ${left ? leftText[left] : leftAsBefore.join('; ')}`;
      const readmeLeft = documentedLeft(documented, workflow, endState, faulted);
      if (left !== undefined && left === readmeLeft) {
        return { kind: 'documented', how: `${how}; ${ending}`, duplicates };
      }
      // A rollback that failed itself leaves what it had not undone, by design: its event names it for a human.
      if (readmeLeft === 'partial') return { kind: 'documented', how: `${how}; ${ending}; needs a human`, duplicates };
      const why =
        readmeLeft === undefined
          ? `the README does not document ${endState}`
          : `the README says ${endState} leaves it ${leftText[readmeLeft]}`;
      return { kind: 'diverged', how: `${how}; ${ending}; ${why}` };
    };

    /** The states the latest faulted run entered before it ended (or was redriven). */
    let faultedPath: string[] = [];
    /** Runs one fault at `task` (after fault b at `after`, whose path leads to it) and judges how it ends. */
    const scenario = async (task: TaskState, fault: Fault, after?: TaskState): Promise<Outcome> => {
      await freshSageMaker(workflow);
      const fired = { count: 0 };
      const first = after ? failEveryResult(after.name, { count: 0 }) : undefined;
      const fault1 =
        fault === FAULTS.lostResult ? loseFirstResult(task.name, fired) : failEveryResult(task.name, fired);
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
          task.name,
        );
      } else if (failed.status === 'SUCCEEDED') {
        // A Catch may lead to a path that still succeeds (a step whose failure the workflow tolerates).
        outcome = await judge(
          failed,
          `${prefix}failed ${fired.count} time(s), caught to ${task.caughtTo}, went on`,
          task.name,
        );
      } else {
        const redriven = await runner.redrive(latestExecutionArn(workflow), { onWait }).result;
        const how = fault === FAULTS.lostResult ? 'retried' : `failed ${fired.count} time(s)`;
        outcome = await judge(redriven, `${prefix}${how}, redriven`, task.name);
      }
      if (fired.count === 0) return { kind: 'diverged', how: `${prefix}the fault never fired` };
      if (outcome.kind === 'diverged' && KNOWN_GAPS.has(`${workflow} ${task.name} ${fault}`)) {
        return { kind: 'known gap', how: outcome.how };
      }
      return outcome;
    };

    // Every Task state the uninterrupted run enters, and the states each fault b's run went through on its way out.
    const tasks = taskStates(definition);
    const throughFailure = new Map<string, TaskState>();
    for (const task of tasks.filter((t) => reached.has(t.name))) {
      rows.push({
        workflow,
        state: task.name,
        fault: FAULTS.lostResult,
        outcome: await scenario(task, FAULTS.lostResult),
      });
      const outcome = await scenario(task, FAULTS.failedThenRedriven);
      rows.push({ workflow, state: task.name, fault: FAULTS.failedThenRedriven, outcome });
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
        rows.push({ workflow, state: task.name, fault, outcome });
      }
    }

    const own = rows.filter((r) => r.workflow === workflow);
    const problems = own.filter((r) => r.outcome.kind === 'diverged');
    expect(problems.map((r) => `${r.state} ${r.fault}: ${r.outcome.how}`)).toEqual([]);
    const gaps = own.filter((r) => r.outcome.kind === 'known gap').map((r) => `${workflow} ${r.state} ${r.fault}`);
    expect(gaps.sort()).toEqual([...KNOWN_GAPS].filter((gap) => gap.startsWith(`${workflow} `)).sort());
  });
});

/** The ARN of the latest execution `run` started. */
function latestExecutionArn(workflow: string): string {
  const stateMachineArn = workflows.stateMachineArns[workflow] ?? '';
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:matrix-${executions}`;
}
