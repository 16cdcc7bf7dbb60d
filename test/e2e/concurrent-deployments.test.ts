/**
 * Two deployments to one endpoint at once, end to end: real executions of the synthesized state machines in the
 * local runner, started for real at the same time (0 s, 0.4 s and 1 s apart) against the emulator, which runs the
 * model processes and holds the endpoint leases in its S3. The endpoint lease serializes them, so what is asserted
 * does not depend on which run wins the lease: nobody deletes the endpoint, both runs succeed, the config that
 * serves is the one of the run that took the lease last, and nothing is left that no run owns. Also: a run that
 * crashes holding the lease (a killed `smwf run` process), a run that gives up waiting, two registry approvals
 * close together, and a change made by hand while a run is under way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  UpdateEndpointCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointLease } from '../../contracts/endpoint-lease.ts';
import * as errors from '../../contracts/errors.ts';
import { CONFIG_ENV } from '../../infra/deployment-config/load.ts';
import type { ExecutionResult } from '../../local/runner/runner.ts';
import { EXECUTION_ROLE_ARN } from '../tasks/fakes.ts';
import { E2E_DEPLOYMENT_CONFIG } from './e2e-stack.ts';
import {
  deployInput,
  describeEndpoint,
  type Harness,
  IMAGE,
  modelPackageEvent,
  predict,
  registerLinearPackages,
  resourcesOf,
  servedModelPackage,
  startHarness,
} from './harness.ts';

const CLI = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

/** Every error name a task or state machine of this project ends a run with on purpose. */
const TYPED_ERRORS = new Set(
  Object.values(errors).flatMap((value) =>
    typeof value === 'function' && 'errorName' in value ? [String(value.errorName)] : [],
  ),
);

let h: Harness;

beforeAll(async () => {
  h = await startHarness(8);
});

afterAll(async () => {
  await h?.close();
});

/** A DeployEndpoint input of the linear example for `endpoint`, released as `release` (its own model and config). */
function release(endpoint: string, release: string, overrides: Record<string, unknown> = {}) {
  return deployInput(endpoint, h.models['linear-v2'], {
    modelVersion: release,
    model: { image: IMAGE, modelDataUrl: h.models['linear-v2'], environment: { RELEASE: release } },
    ...overrides,
  });
}

/** What a succeeded DeployEndpoint run's output records. */
interface DeployOutput {
  model: { name: string };
  endpointConfig: { name: string };
  lease: EndpointLease;
}

const outputOf = (result: ExecutionResult) => result.output as DeployOutput;

/** The emulator's state-change events of an endpoint, by status (IN_SERVICE, DELETING, ...). */
async function endpointStatuses(endpoint: string): Promise<string[]> {
  return (await h.emulator.readEvents())
    .filter((e) => e['detail-type'] === 'SageMaker Endpoint State Change')
    .filter((e) => (e.detail as { EndpointName?: string }).EndpointName === endpoint)
    .map((e) => String((e.detail as { EndpointStatus?: string }).EndpointStatus));
}

/** The project's lifecycle events of an endpoint. */
async function lifecycleEvents(endpoint: string) {
  return (await h.emulator.readEvents()).filter(
    (e) => e.source === 'sagemaker-workflows' && (e.detail as { endpointName?: string }).endpointName === endpoint,
  );
}

/** Polls the endpoint until it is InService on `configName` (bounded: a container starts in seconds). */
async function inServiceOn(endpoint: string, configName: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const described = await describeEndpoint(h, endpoint);
    if (described?.EndpointStatus === 'InService' && described.EndpointConfigName === configName) return;
    await delay(100);
  }
  throw new Error(`${endpoint} did not come InService on ${configName}`);
}

/** One run: its execution ARN and how it ended. */
interface Run {
  arn: string;
  result: ExecutionResult;
}

/**
 * Starts two DeployEndpoint runs of one endpoint for real, the second `gapMs` after the first, and awaits both.
 * The gap is when the second run starts, not a wait for anything to be ready.
 */
async function twoRunsApart(endpoint: string, gapMs: number): Promise<Run[]> {
  const first = h.runner.start('DeployEndpoint', release(endpoint, 'r1'), { name: `${endpoint}-r1` });
  if (gapMs > 0) await delay(gapMs);
  const second = h.runner.start('DeployEndpoint', release(endpoint, 'r2'), { name: `${endpoint}-r2` });
  return Promise.all([first, second].map(async (run) => ({ arn: run.arn, result: await run.result })));
}

/** When a run entered `state` (the first time), by its event log. */
function entered(result: ExecutionResult, state: string): number {
  const event = result.events.find((e) => e.type === 'StateEntered' && 'state' in e && e.state.name === state);
  if (event === undefined) throw new Error(`the run never entered ${state}`);
  return event.timestamp;
}

/** What the issue asks of two runs on one endpoint, whoever won the lease. */
async function expectSerialized(endpoint: string, runs: Run[]): Promise<void> {
  // The endpoint is never deleted.
  expect(await endpointStatuses(endpoint)).not.toContain('DELETING');
  expect((await describeEndpoint(h, endpoint))?.EndpointStatus).toBe('InService');
  // A run that did not succeed ends with a typed error; at least one succeeds (with the lease, the second waits
  // for the first and both do).
  for (const { result } of runs) {
    if (result.status !== 'SUCCEEDED') expect(TYPED_ERRORS).toContain(result.error);
  }
  for (const { result } of runs) expect(result.status, result.cause).toBe('SUCCEEDED');
  // Each held the lease alone: the later took it only once the earlier had finished and was releasing it.
  const [earlier, later] = [...runs].sort(
    (a, b) =>
      Date.parse(String(outputOf(a.result).lease.takenAt)) - Date.parse(String(outputOf(b.result).lease.takenAt)),
  ) as [Run, Run];
  expect(Date.parse(String(outputOf(later.result).lease.takenAt))).toBeGreaterThanOrEqual(
    entered(earlier.result, 'ReleaseEndpointLease'),
  );
  for (const { result } of runs) expect(outputOf(result).lease.released).toBe(true);
  // The config that serves belongs to a run that succeeded: the one that took the lease last.
  expect((await describeEndpoint(h, endpoint))?.EndpointConfigName).toBe(outputOf(later.result).endpointConfig.name);
  expect(await predict(h, endpoint)).toContain('predictions');
  // Nothing is left that a run does not own: a run that failed may leave its own model and config (its event names
  // them), nothing else.
  const owned = new Set<string>();
  for (const { arn, result } of runs) {
    if (result.status === 'SUCCEEDED') {
      owned.add(outputOf(result).model.name);
      owned.add(outputOf(result).endpointConfig.name);
      continue;
    }
    const event = (await lifecycleEvents(endpoint)).find((e) => (e.detail as { execution?: string }).execution === arn);
    const detail = (event?.detail ?? {}) as { modelName?: string; endpointConfigName?: string };
    for (const name of [detail.modelName, detail.endpointConfigName]) if (name) owned.add(name);
  }
  const left = await resourcesOf(h, endpoint);
  for (const name of [...left.models, ...left.configs]) expect(owned).toContain(name);
}

// The cases of each race below have an endpoint of their own: they run at once (one group at a time, so that few
// model processes start together).
describe.concurrent('two deployments of one new endpoint', () => {
  it.each([
    ['at once', 0],
    ['0.4 s apart', 400],
    ['1 s apart', 1000],
  ])('serializes them when started %s', async (_when, gapMs) => {
    const endpoint = `e2e-race-new-${gapMs}`;

    const runs = await twoRunsApart(endpoint, gapMs);

    await expectSerialized(endpoint, runs);
    // The run that took the lease second found the endpoint the first created, and updated it.
    expect(await endpointStatuses(endpoint)).toContain('UPDATING');
  });
});

describe.concurrent('two deployments updating one endpoint', () => {
  it.each([
    ['at once', 0],
    ['0.4 s apart', 400],
    ['1 s apart', 1000],
  ])('serializes them when started %s', async (_when, gapMs) => {
    const endpoint = `e2e-race-update-${gapMs}`;
    const first = await h.runner.start('DeployEndpoint', release(endpoint, 'r0'), { name: `${endpoint}-r0` }).result;
    expect(first.status, first.cause).toBe('SUCCEEDED');

    const runs = await twoRunsApart(endpoint, gapMs);

    await expectSerialized(endpoint, runs);
  });
});

describe('a run that crashes holding the lease', () => {
  it('is found not running (its smwf run process is gone) and the next run takes the lease over', async () => {
    const endpoint = 'e2e-crashed-holder';
    const inputFile = join(h.stateDir, 'crashing-run.json');
    writeFileSync(inputFile, JSON.stringify(release(endpoint, 'crashing')));
    // The crashing run's CreateModel hangs in the emulator: the run holds the lease and has changed nothing yet.
    h.emulator.setFaults({ latency: { ms: 5000, operations: ['CreateModel'] } });
    let child: ChildProcess | undefined;
    let holder = '';
    try {
      child = spawn(
        process.execPath,
        [
          CLI,
          'run',
          'DeployEndpoint',
          '--input',
          inputFile,
          '--endpoint-url',
          h.emulator.url,
          '--state-dir',
          h.stateDir,
          '--json',
        ],
        // The end-to-end stack, as the harness runs it: smwf run registers its roles with the emulator.
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [CONFIG_ENV]: E2E_DEPLOYMENT_CONFIG } },
      );
      holder = await new Promise<string>((resolve, reject) => {
        let output = '';
        child?.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          // Complete lines only: one JSON object per event.
          for (const line of output.split('\n').slice(0, -1)) {
            const event = line.startsWith('{') ? (JSON.parse(line) as { type?: string; state?: string }) : {};
            if (event.type === 'StateEntered' && event.state === 'CreateModel') resolve(output);
          }
        });
        child?.stderr?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child?.once('exit', () => reject(new Error(`smwf run exited before it took the lease: ${output}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');
    } finally {
      h.emulator.setFaults({});
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(holder).toContain('"acquired":true');

    const result = await h.runner.start('DeployEndpoint', release(endpoint, 'next'), { name: `${endpoint}-next` })
      .result;

    expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(outputOf(result).lease.takenOver).toMatchObject({
      from: { workflow: 'DeployEndpoint', executionArn: expect.stringContaining(':execution:DeployEndpoint:') },
      reason: 'not-running',
      status: 'ABORTED',
    });
    expect((await describeEndpoint(h, endpoint))?.EndpointConfigName).toBe(outputOf(result).endpointConfig.name);
  });
});

describe('a run that gives up waiting for the lease', () => {
  it('ends with EndpointBusyError naming the holder, having changed nothing, and its event names the holder too', async () => {
    const endpoint = 'e2e-gives-up';
    let letGo: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let holding: () => void = () => undefined;
    const holds = new Promise<void>((resolve) => {
      holding = resolve;
    });
    // The holder stops before CreateModel, holding the lease, until the other run has given up.
    const holder = h.runner.start('DeployEndpoint', release(endpoint, 'holder'), {
      name: `${endpoint}-holder`,
      interceptTask: async (task, invoke) => {
        if (task.stateName === 'CreateModel') {
          holding();
          await held;
        }
        return invoke();
      },
    });
    await holds;

    const impatient = await h.runner.start(
      'DeployEndpoint',
      release(endpoint, 'impatient', { lease: { waitMinutes: 0 } }),
      {
        name: `${endpoint}-impatient`,
      },
    ).result;
    letGo();
    const first = await holder.result;

    expect(impatient.status).toBe('FAILED');
    expect(impatient.error).toBe('EndpointBusyError');
    expect(impatient.cause).toContain(`its lease is held by DeployEndpoint execution ${holder.arn}`);
    const failed = (await lifecycleEvents(endpoint)).find((e) => e['detail-type'] === 'Deployment Failed');
    expect(failed?.detail).toMatchObject({
      execution: expect.stringContaining(`${endpoint}-impatient`),
      error: { name: 'EndpointBusyError' },
      lease: { heldBy: { executionArn: holder.arn, workflow: 'DeployEndpoint' } },
    });
    expect(failed?.detail).not.toHaveProperty('modelName');
    expect(first.status, first.cause).toBe('SUCCEEDED');
    const left = await resourcesOf(h, endpoint);
    expect(left.models).toEqual([outputOf(first).model.name]);
    expect(left.configs).toEqual([outputOf(first).endpointConfig.name]);
  });
});

describe('a change made by hand while a run is under way', () => {
  it('fails the run with ForeignEndpointChangeError and rolls nothing back', async () => {
    const endpoint = 'e2e-foreign';
    const first = await h.runner.start('DeployEndpoint', release(endpoint, 'r0'), { name: `${endpoint}-r0` }).result;
    expect(first.status, first.cause).toBe('SUCCEEDED');
    await h.sagemaker.send(
      new CreateModelCommand({
        ModelName: `${endpoint}-by-hand`,
        ExecutionRoleArn: EXECUTION_ROLE_ARN,
        PrimaryContainer: { Image: IMAGE, ModelDataUrl: h.models['linear-v1'] },
      }),
    );
    await h.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpoint}-by-hand`,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: `${endpoint}-by-hand`,
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
          },
        ],
      }),
    );

    // Once the run's own update is InService, and before it verifies it, someone updates the endpoint by hand.
    const result = await h.runner.start('DeployEndpoint', release(endpoint, 'r1'), {
      name: `${endpoint}-r1`,
      interceptTask: async (task, invoke) => {
        if (task.stateName === 'VerifyDeployment') {
          await h.sagemaker.send(
            new UpdateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-by-hand` }),
          );
          await inServiceOn(endpoint, `${endpoint}-by-hand`);
        }
        return invoke();
      },
    }).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ForeignEndpointChangeError');
    expect(result.cause).toContain(`${endpoint}-by-hand`);
    // Nothing rolled back: the endpoint stays as the change by hand left it, and serves.
    expect(await describeEndpoint(h, endpoint)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: `${endpoint}-by-hand`,
    });
    expect(await predict(h, endpoint)).toContain('9');
    expect(await endpointStatuses(endpoint)).not.toContain('DELETING');
    const events = await lifecycleEvents(endpoint);
    expect(events.map((e) => e['detail-type'])).toEqual(['Deployment Succeeded', 'Deployment Failed']);
    expect(events[1]?.detail).toMatchObject({
      error: { name: 'ForeignEndpointChangeError' },
      rollback: { action: 'none' },
    });
  });
});

describe('two registry approvals of one group close together', () => {
  const deployment = (endpointName: string) => ({
    endpointName,
    variants: [{ name: 'AllTraffic', instanceType: 'ml.m5.large', initialInstanceCount: 1 }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 2,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
  });

  it.each([
    ['the earlier approval', 'v1'],
    ['the later approval', 'v2'],
  ] as const)('end with the later version serving when %s starts first', async (_which, startsFirst) => {
    const group = `e2e-approvals-${startsFirst}`;
    const endpoint = `e2e-approvals-${startsFirst}-endpoint`;
    const packages = await registerLinearPackages(h, group);
    for (const version of ['v1', 'v2'] as const) {
      await h.sagemaker.send(
        new UpdateModelPackageCommand({ ModelPackageArn: packages[version], ModelApprovalStatus: 'Approved' }),
      );
    }
    const run = async (version: 'v1' | 'v2') =>
      h.runner.start('DeployApprovedModelPackage', {
        event: await modelPackageEvent(h, packages[version], 'Approved'),
        deployment: deployment(endpoint),
      });
    const startsSecond = startsFirst === 'v1' ? 'v2' : 'v1';

    const first = await run(startsFirst);
    const second = await run(startsSecond);
    const results = await Promise.all([first.result, second.result]);

    for (const result of results) expect(result.status, result.cause).toBe('SUCCEEDED');
    expect(await servedModelPackage(h, endpoint)).toMatchObject({ status: 'InService', packageArn: packages.v2 });
    expect(await endpointStatuses(endpoint)).not.toContain('DELETING');
  });
});
