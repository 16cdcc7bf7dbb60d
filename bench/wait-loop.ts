/**
 * DeployEndpoint's wait loop: what a 10-minute create and a 10-minute update cost in state transitions and
 * polls, and how late the loop sees an endpoint that has settled.
 *
 * Transitions: the synthesized DeployEndpoint state machine runs in the local runner with the real handlers
 * against the emulator's SageMaker in process (local/emulator/scripted, the core the workflow tests use too), its
 * provisioning taking 10 minutes of a fake clock that each Wait state moves forward (as
 * test/workflows/deploy-endpoint.test.ts does with vitest's fake timers).
 *
 * Detection lag: computed with the real `startWaiting`/`nextWait` (the functions StartDeployment and
 * GetEndpointStatus call) for every provisioning time from 1 s to 60 min in 1 s steps, then checked by
 * running the state machine once at the worst provisioning time found.
 *
 *   npm run bench -- wait-loop
 */

import { WaitPolicy } from '../contracts/parts/endpoint.ts';
import { ScriptedSageMaker } from '../local/emulator/scripted/scripted-sagemaker.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../local/runner/runner.ts';
import { nextWait, startWaiting } from '../tasks/_shared/wait-progress.ts';
import { DeployEndpointStates as S } from '../workflows/deploy-endpoint/definition.ts';
import { installFakeClock } from './fake-clock.ts';
import { markdownTable, reportRows, type SummaryRow, verdict } from './summary.ts';

const PROVISIONING_SECONDS = 600;
/** The bounds the workflow test holds a 10-minute create to (four transitions take and release the endpoint's lease). */
const MAX_TRANSITIONS = 44;
const MAX_POLLS = 9;
/** The poll interval the design replaces. */
const FIXED_POLL_SECONDS = 30;

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

interface Run {
  readonly result: ExecutionResult;
  readonly polls: number;
}

/** Runs DeployEndpoint to its end on a fake clock that each wait (and retry interval) moves forward. */
async function deploy(runner: LocalRunner, input: unknown): Promise<Run> {
  const clock = installFakeClock(new Date('2026-11-25T09:00:00Z'));
  try {
    const result = await runner.start('DeployEndpoint', input, {
      onWait: (seconds) => clock.advance(seconds * 1000),
    }).result;
    if (result.status !== 'SUCCEEDED') throw new Error(`DeployEndpoint ${result.status}: ${result.error}`);
    const polls = result.events.filter(
      (e) => e.type === 'StateEntered' && 'state' in e && e.state.name === S.WaitForEndpoint,
    ).length;
    return { result, polls };
  } finally {
    clock.restore();
  }
}

/** Seconds after the start of provisioning at which the loop polls, until its deadline. */
function pollTimes(policy: WaitPolicy): number[] {
  const start = Date.parse('2026-11-25T09:00:00Z');
  const times: number[] = [];
  let progress = startWaiting(policy, new Date(start));
  let elapsed = 0;
  for (;;) {
    elapsed += progress.seconds;
    times.push(elapsed);
    try {
      progress = nextWait(progress, policy, new Date(start + elapsed * 1000), () => 'still Creating');
    } catch {
      return times; // the deadline: DeploymentTimeoutError
    }
  }
}

interface Lag {
  readonly settledAt: number;
  readonly seenAt: number;
  readonly lag: number;
}

/** The largest gap between settling (1 s to `maxSeconds`, every second) and the first poll that sees it. */
function worstLag(polls: readonly number[], maxSeconds: number): Lag {
  let worst: Lag = { settledAt: 0, seenAt: 0, lag: -1 };
  for (let settledAt = 1; settledAt <= maxSeconds; settledAt += 1) {
    const seenAt = polls.find((t) => t >= settledAt);
    if (seenAt === undefined) throw new Error(`no poll sees an endpoint that settles at ${settledAt} s`);
    if (seenAt - settledAt > worst.lag) worst = { settledAt, seenAt, lag: seenAt - settledAt };
  }
  return worst;
}

async function main(): Promise<void> {
  const runner = await createLocalRunner({ waitTimeMs: 1, retryIntervalMs: 0 });

  // Figure 1: a 10-minute create, then a 10-minute update of the same endpoint.
  const aws = new ScriptedSageMaker({ script: { provisioningSeconds: PROVISIONING_SECONDS } });
  aws.install();
  let create: Run;
  let update: Run;
  try {
    create = await deploy(runner, deployInput('v1'));
    update = await deploy(runner, deployInput('v2'));
    const action = (update.result.output as { endpoint?: { action?: string } }).endpoint?.action;
    if (action !== 'update') throw new Error(`the second deployment was a ${action}, not an update`);
  } finally {
    aws.restore();
  }

  // Figure 2: detection lag over provisioning times up to the default deadline.
  const policy = WaitPolicy.parse({});
  const polls = pollTimes(policy);
  const deadlineSeconds = policy.timeoutMinutes * 60;
  const lag = worstLag(polls, deadlineSeconds);
  const fixedPolls = Array.from(
    { length: deadlineSeconds / FIXED_POLL_SECONDS },
    (_, i) => (i + 1) * FIXED_POLL_SECONDS,
  );
  const fixedLag = worstLag(fixedPolls, deadlineSeconds);
  const fixedPollsFor10Min = Math.ceil(PROVISIONING_SECONDS / FIXED_POLL_SECONDS);

  // The state machine itself at the worst provisioning time: its waits should agree with the computation.
  const check = new ScriptedSageMaker({ script: { provisioningSeconds: lag.settledAt } });
  check.install();
  let checked: Run;
  try {
    checked = await deploy(runner, deployInput('v1'));
  } finally {
    check.restore();
  }
  const checkedLag = checked.result.waitedSeconds - lag.settledAt;

  const waitOf = (run: Run) => `${run.result.waitedSeconds} s`;
  console.log(`\nDeployEndpoint wait loop, ${PROVISIONING_SECONDS / 60}-minute provisioning (fake clock)\n`);
  console.log(
    markdownTable(
      ['deployment', 'status', 'transitions', 'polls', 'waited'],
      [
        ['create', create.result.status, String(create.result.transitions), String(create.polls), waitOf(create)],
        ['update', update.result.status, String(update.result.transitions), String(update.polls), waitOf(update)],
      ],
    ),
  );
  console.log(
    `\nDefault wait policy: ${policy.initialIntervalSeconds} s doubling to ${policy.maxIntervalSeconds} s, deadline ${policy.timeoutMinutes} min`,
  );
  console.log(`polls at (s): ${polls.join(', ')}`);
  console.log(
    `worst detection lag over 1 s-${policy.timeoutMinutes} min (every 1 s): ${lag.lag} s (settled at ${lag.settledAt} s, seen at ${lag.seenAt} s)`,
  );
  console.log(
    `state machine with provisioning ${lag.settledAt} s: ${checked.polls} polls, waited ${checked.result.waitedSeconds} s, lag ${checkedLag} s`,
  );
  console.log(
    `fixed ${FIXED_POLL_SECONDS} s poll: worst lag ${fixedLag.lag} s, ${fixedPollsFor10Min} polls for 10 min`,
  );

  // Each poll is three states (WaitForEndpoint, GetEndpointStatus, IsEndpointSettled).
  const fixedTransitions = (run: Run) => run.result.transitions + 3 * (fixedPollsFor10Min - run.polls);
  const transitionsRow = (label: string, run: Run): SummaryRow => ({
    figure: `DeployEndpoint ${label}, 10 min provisioning (fake clock)`,
    measured: `${run.result.transitions} transitions, ${run.polls} polls, ${run.result.waitedSeconds} s waited`,
    goal: `< ${MAX_TRANSITIONS} transitions, <= ${MAX_POLLS} polls; fixed ${FIXED_POLL_SECONDS} s poll: ${fixedPollsFor10Min} polls, ~${fixedTransitions(run)} transitions`,
    verdict: verdict(run.result.transitions < MAX_TRANSITIONS && run.polls <= MAX_POLLS),
  });
  const agrees = checkedLag === lag.lag;
  reportRows([
    transitionsRow('create', create),
    transitionsRow('update', update),
    {
      figure: `Worst detection lag, default wait (${policy.initialIntervalSeconds} s doubling to ${policy.maxIntervalSeconds} s), settling in 1 s-${policy.timeoutMinutes} min`,
      measured: `${lag.lag} s (settled ${lag.settledAt} s, seen ${lag.seenAt} s; computed every 1 s, the state machine ${agrees ? 'agrees' : `says ${checkedLag} s`})`,
      goal: `<= ${policy.maxIntervalSeconds} s (the cap); fixed ${FIXED_POLL_SECONDS} s poll: ${fixedLag.lag} s`,
      verdict: verdict(lag.lag <= policy.maxIntervalSeconds && agrees),
    },
  ]);
}

await main();
