/**
 * DeployEndpoint's endpoint waits (issue 20's Goals): what a 10-minute create and a 10-minute update cost in state
 * transitions and Lambda invocations while waiting, how late the wait sees an endpoint that has settled when its event
 * arrives (p50 and worst over provisioning times from 30 s to 30 min), how late with every event lost, and whether
 * duplicated, reordered and foreign events still end in one completion.
 *
 * The synthesized DeployEndpoint state machine runs in the local runner with the real handlers, against the
 * emulator's SageMaker in process (local/emulator/scripted) on a fake clock. SageMaker's state change events go
 * through the stack's rules (the local trigger engine) to the real CompleteWait. While a task waits for its callback,
 * the clock moves one second at a time; the waiting tasks' 5-minute heartbeats run on that clock too.
 *
 * The fake clock counts no delivery time: a lag of 0 s means the wait ended in the same second SageMaker's event
 * said the endpoint settled; on AWS, EventBridge's delivery and CompleteWait's run add to it.
 *
 * "Before" is the polling loop this replaced: 15 s doubling to 120 s (issue 20's table; the worst lag is computed
 * with the same backoff functions, which the inference component waits still use).
 *
 *   npm run bench -- wait-loop
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaitPolicy } from '../contracts/parts/endpoint.ts';
import { WAIT_FALLBACK_SECONDS } from '../contracts/task-tokens.ts';
import type { EmulatorEvent } from '../local/emulator/events.ts';
import type { FaultConfig } from '../local/emulator/faults.ts';
import { ScriptedSageMaker } from '../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../local/runner/runner.ts';
import { TriggerEngine } from '../local/triggers/engine.ts';
import { bindLocalStepFunctions } from '../local/triggers/step-functions-api.ts';
import { nextWait, startWaiting } from '../tasks/_shared/wait-progress.ts';
import { installFakeClock } from './fake-clock.ts';
import { markdownTable, median, reportRows, type SummaryRow, verdict } from './summary.ts';

const START = new Date('2026-11-25T09:00:00Z');
const TEN_MINUTES = 600;
/** Issue 20's figures for the polling loop, before this change. */
const BEFORE = { transitions: 39, polls: 8 };
const GOALS = { transitions: 20, invocations: 2, lagP50: 2, lagWorst: 5, droppedLag: WAIT_FALLBACK_SECONDS };

function deployInput(version: string) {
  return {
    endpointName: 'churn',
    modelVersion: version,
    model: {
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/linear:1',
      modelDataUrl: `s3://models/churn/${version}/model.tar.gz`,
    },
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: { samples: [{ body: '{"x":1}', expectedStatus: 200 }], invocations: 3 },
  };
}

/** What CompleteWait did during a run: callbacks (events) and fallback polls, with their outcomes. */
const calls: { kind: 'callback' | 'fallback'; outcome: string }[] = [];

interface Run {
  readonly result: ExecutionResult;
  /** Lambda invocations while the endpoint was awaited: CompleteWait's callbacks and fallback polls. */
  readonly waitInvocations: number;
  /** Seconds from the endpoint settling to the wait ending, per wait (create or update). */
  readonly lagSeconds: number;
  /** Callbacks and polls that completed a wait. */
  readonly completions: number;
}

/** The time (ms, fake clock) the endpoint's last IN_SERVICE event of a run says it settled at. */
function settledAt(events: readonly EmulatorEvent[]): number {
  const settled = events.filter(
    (e) =>
      e['detail-type'] === 'SageMaker Endpoint State Change' &&
      (e.detail as { EndpointStatus?: string }).EndpointStatus === 'IN_SERVICE',
  );
  const last = settled.at(-1);
  if (last === undefined) throw new Error('the endpoint never settled');
  return Date.parse(last.time);
}

/** When the endpoint wait ended: the last exit of StartDeployment or its fallback. */
function waitEndedAt(result: ExecutionResult): number {
  const exits = result.events.filter(
    (e) =>
      e.type === 'StateExited' &&
      'state' in e &&
      (e.state.name === 'StartDeployment' || e.state.name === 'WaitForEndpoint'),
  );
  const last = exits.at(-1);
  if (last === undefined) throw new Error('the wait never ended');
  return last.timestamp;
}

/**
 * Runs DeployEndpoint to its end on the fake clock: Wait states and retries move it at once; while a task waits for
 * its callback, it moves a second at a time, SageMaker's transitions (and their events) happen when due, and the
 * heartbeats run out on it.
 */
async function deploy(
  runner: LocalRunner,
  engine: TriggerEngine,
  aws: ScriptedSageMaker,
  clock: { advance(ms: number): void },
  input: unknown,
  during?: (elapsedSeconds: number) => Promise<void>,
): Promise<Run> {
  calls.length = 0;
  const eventsBefore = aws.events.length;
  const heartbeats = new Set<{ due: number; expire: () => void }>();
  const execution = runner.start('DeployEndpoint', input, {
    onWait: (seconds, _state, kind) => {
      if (kind !== 'heartbeat') clock.advance(seconds * 1000);
    },
    scheduleHeartbeat: (seconds, expire) => {
      const timer = { due: Date.now() + seconds * 1000, expire };
      heartbeats.add(timer);
      return () => heartbeats.delete(timer);
    },
  });
  let done = false;
  void execution.result.then(() => {
    done = true;
  });
  let waited = 0;
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (heartbeats.size === 0) continue;
    clock.advance(1000);
    waited += 1;
    await aws.runDue();
    await during?.(waited);
    await engine.idle();
    for (const timer of [...heartbeats]) {
      if (timer.due <= Date.now()) {
        heartbeats.delete(timer);
        timer.expire();
      }
    }
  }
  const result = await execution.result;
  if (result.status !== 'SUCCEEDED') throw new Error(`DeployEndpoint ${result.status}: ${result.error}`);
  await engine.idle();
  return {
    result,
    waitInvocations: calls.length,
    lagSeconds: (waitEndedAt(result) - settledAt(aws.events.slice(eventsBefore))) / 1000,
    completions: calls.filter((c) => c.outcome === 'completed').length,
  };
}

/** Seconds after the start of provisioning at which the polling loop polled, until its deadline. */
function pollTimes(policy: WaitPolicy): number[] {
  const times: number[] = [];
  let progress = startWaiting(policy, START);
  let elapsed = 0;
  for (;;) {
    elapsed += progress.seconds;
    times.push(elapsed);
    try {
      progress = nextWait(progress, policy, new Date(START.getTime() + elapsed * 1000), () => 'still Creating');
    } catch {
      return times;
    }
  }
}

/** The polling loop's worst lag between settling (every second up to `maxSeconds`) and the first poll that sees it. */
function worstPollingLag(polls: readonly number[], maxSeconds: number): number {
  let worst = 0;
  for (let settled = 1; settled <= maxSeconds; settled += 1) {
    const seen = polls.find((t) => t >= settled);
    if (seen !== undefined) worst = Math.max(worst, seen - settled);
  }
  return worst;
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-bench-waits-'));
  // Loaded after the runner has silenced the handlers' loggers, as it loads handlers.
  let completeWait: ((event: unknown, context?: never) => Promise<unknown>) | undefined;
  const runner = await createLocalRunner({
    waitTimeMs: 1,
    retryIntervalMs: 0,
    handlers: {
      CompleteWait: async (event, context) => {
        completeWait ??= (await import('../tasks/complete-wait/handler.ts')).handler;
        const out = (await completeWait(event, context as never)) as { outcome: string };
        const kind = typeof (event as { taskToken?: unknown }).taskToken === 'string' ? 'fallback' : 'callback';
        calls.push({ kind, outcome: out.outcome });
        return out;
      },
    },
  });
  const unbind = bindLocalStepFunctions(runner);
  const clock = installFakeClock(START);
  // The engine hears the events of whichever SageMaker is installed.
  let deliver: (events: readonly EmulatorEvent[]) => void = () => undefined;
  let aws = new ScriptedSageMaker({ script: { provisioningSeconds: TEN_MINUTES } });
  aws.install();
  let unsubscribe = aws.onEvents((events) => deliver(events));
  const engine = await TriggerEngine.start({
    runner,
    stateDir,
    subscribe: (listener) => {
      deliver = listener;
      return () => {
        deliver = () => undefined;
      };
    },
  });
  /** A fresh SageMaker (no endpoint), with the given provisioning time and faults. */
  const fresh = (provisioningSeconds: number, faults: FaultConfig = {}) => {
    unsubscribe();
    aws.restore();
    aws = new ScriptedSageMaker({ script: { provisioningSeconds } });
    aws.setFaults(faults);
    aws.install();
    unsubscribe = aws.onEvents((events) => deliver(events));
  };
  const rows: SummaryRow[] = [];
  try {
    // A 10-minute create, then a 10-minute update, events delivered.
    const create = await deploy(runner, engine, aws, clock, deployInput('v1'));
    const update = await deploy(runner, engine, aws, clock, deployInput('v2'));

    // Detection lag with events, over provisioning times either side of the fallback's heartbeat.
    const provisioning = [30, 90, 240, 299, 301, 420, 600, 900, 1800];
    const lags: number[] = [];
    for (const seconds of provisioning) {
      fresh(seconds);
      lags.push((await deploy(runner, engine, aws, clock, deployInput('v1'))).lagSeconds);
    }

    // Every event lost: the fallback alone (7 minutes: settling between two heartbeats).
    fresh(420, { events: { drop: 1 } });
    const dropped = await deploy(runner, engine, aws, clock, deployInput('v1'));

    // Every event twice, pairs swapped, and an event of a foreign endpoint half way.
    fresh(TEN_MINUTES, { events: { duplicate: 1, reorder: true } });
    const foreign = async (elapsed: number) => {
      if (elapsed !== 300) return;
      await engine.receive([
        {
          version: '0',
          id: 'foreign',
          'detail-type': 'SageMaker Endpoint State Change',
          source: 'aws.sagemaker',
          account: '123456789012',
          time: new Date().toISOString(),
          region: 'us-east-1',
          resources: [],
          detail: { EndpointName: 'not-ours', EndpointStatus: 'IN_SERVICE' },
          eventBusName: 'default',
        },
      ]);
    };
    const noisy = await deploy(runner, engine, aws, clock, deployInput('v1'), foreign);
    const noisyEndpoint = aws.endpoint('churn');

    const policy = WaitPolicy.parse({});
    const beforeLag = worstPollingLag(pollTimes(policy), policy.timeoutMinutes * 60);
    const lagP50 = median(lags);
    const lagWorst = Math.max(...lags);
    const invocations = Math.max(create.waitInvocations, update.waitInvocations);
    const transitions = Math.max(create.result.transitions, update.result.transitions);

    console.log('\nDeployEndpoint endpoint waits, fake clock, real handlers, events through the stack rules\n');
    console.log(
      markdownTable(
        ['run', 'transitions', 'wait invocations (callbacks + fallback polls)', 'lag after settling'],
        [
          [
            '10-min create',
            String(create.result.transitions),
            String(create.waitInvocations),
            `${create.lagSeconds} s`,
          ],
          [
            '10-min update',
            String(update.result.transitions),
            String(update.waitInvocations),
            `${update.lagSeconds} s`,
          ],
          [
            '10-min create, every event lost',
            String(dropped.result.transitions),
            String(dropped.waitInvocations),
            `${dropped.lagSeconds} s`,
          ],
          [
            '10-min create, events twice + swapped + foreign',
            String(noisy.result.transitions),
            String(noisy.waitInvocations),
            `${noisy.lagSeconds} s`,
          ],
        ],
      ),
    );
    console.log(`\nlag with events, provisioning ${provisioning.join(', ')} s: ${lags.join(', ')} s`);
    console.log(`\nGoals (issue 20)\n`);
    console.log(
      markdownTable(
        ['figure', 'before', 'now', 'goal'],
        [
          [
            'state transitions for a 10-minute create (update)',
            String(BEFORE.transitions),
            `${create.result.transitions} (${update.result.transitions})`,
            `<= ${GOALS.transitions}`,
          ],
          ['Lambda invocations spent waiting', `${BEFORE.polls} polls`, `${invocations}`, `<= ${GOALS.invocations}`],
          [
            'detection lag when the event arrives, p50 / worst',
            `up to ${beforeLag} s`,
            `${lagP50} s / ${lagWorst} s`,
            `<= ${GOALS.lagP50} s / <= ${GOALS.lagWorst} s`,
          ],
          [
            'lag with 100% of events dropped',
            '-',
            `${dropped.lagSeconds} s, completed`,
            `<= ${GOALS.droppedLag} s (the fallback heartbeat), completes`,
          ],
          [
            'duplicated / reordered / foreign events',
            '-',
            `${noisyEndpoint?.EndpointStatus}, ${noisy.completions} completion`,
            'same end state, one completion',
          ],
        ],
      ),
    );

    rows.push(
      {
        figure: 'Endpoint wait: state transitions, 10-min create / update (fake clock)',
        measured: `${create.result.transitions} / ${update.result.transitions}`,
        goal: `<= ${GOALS.transitions} (before: ${BEFORE.transitions})`,
        verdict: verdict(transitions <= GOALS.transitions),
      },
      {
        figure: 'Endpoint wait: Lambda invocations while waiting, 10-min create / update',
        measured: `${create.waitInvocations} / ${update.waitInvocations}`,
        goal: `<= ${GOALS.invocations} (before: ${BEFORE.polls} polls)`,
        verdict: verdict(invocations <= GOALS.invocations),
      },
      {
        figure: 'Endpoint wait: detection lag with events, p50 / worst',
        measured: `${lagP50} s / ${lagWorst} s`,
        goal: `<= ${GOALS.lagP50} s / <= ${GOALS.lagWorst} s (before: up to ${beforeLag} s)`,
        verdict: verdict(lagP50 <= GOALS.lagP50 && lagWorst <= GOALS.lagWorst),
      },
      {
        figure: 'Endpoint wait: lag with every event lost',
        measured: `${dropped.lagSeconds} s`,
        goal: `<= ${GOALS.droppedLag} s, completes`,
        verdict: verdict(dropped.lagSeconds <= GOALS.droppedLag),
      },
      {
        figure: 'Endpoint wait: duplicated, reordered and foreign events',
        measured: `${noisyEndpoint?.EndpointStatus}, ${noisy.completions} completion(s)`,
        goal: 'InService, one completion',
        verdict: verdict(noisyEndpoint?.EndpointStatus === 'InService' && noisy.completions === 1),
      },
    );
  } finally {
    await engine.stop();
    unsubscribe();
    aws.restore();
    clock.restore();
    unbind();
    rmSync(stateDir, { recursive: true, force: true });
  }
  reportRows(rows);
}

await main();
