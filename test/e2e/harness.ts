/**
 * End-to-end harness: the local emulator (real model processes) on a temporary state directory, every SDK
 * client in this process pointed at it through AWS_ENDPOINT_URL, the example models uploaded to its S3,
 * and a local runner over the synthesized state machines with the real handlers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { HOSTING_INSTANCE_RESOURCES } from '../../contracts/parts/instance-resources.ts';
import { parseS3Uri } from '../../contracts/s3-uri.ts';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import type { EmulatorEvent } from '../../local/emulator/events.ts';
import { type Emulator, startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../local/runner/local-stack.ts';
import { createLocalRunner, type ExecutionResult, type LocalRunner } from '../../local/runner/runner.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import type { Clock } from '../../local/triggers/clock.ts';
import { TriggerEngine } from '../../local/triggers/engine.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e-stack.ts';

export const IMAGE = exampleImage('linear');
export const FEATURIZER_IMAGE = exampleImage('featurizer');
const BUCKET = 'e2e-models';
const MODELS = ['linear-v1', 'linear-v2', 'linear-v3-broken', 'featurizer-v1', 'linear-standardized-v1'] as const;

/** One running end-to-end environment. */
export interface Harness {
  emulator: Emulator;
  runner: LocalRunner;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  s3: S3Client;
  /** s3:// URLs of the uploaded example models, by folder name. */
  models: Record<(typeof MODELS)[number], string>;
  /** The trigger engine over the emulator's events, when asked for. */
  triggers?: TriggerEngine;
  /** The emulator's state directory (executions are recorded under its executions/). */
  stateDir: string;
  /** The local Step Functions API the handlers' SFN clients reach (DescribeExecution of the endpoint lease). */
  stepFunctions: LocalStepFunctions;
  close(): Promise<void>;
}

/** What else a harness runs. */
interface HarnessOptions {
  /** The stack to run instead of the end-to-end one (test/e2e/e2e-stack.ts; e.g. one synthesized with schedules). */
  readonly workflows?: SynthesizedWorkflows;
  /** Runs the trigger engine on this clock (a DrivenClock in tests), subscribed to the emulator's events. */
  readonly triggerClock?: Clock;
  /** How long a waiting task's heartbeat really lasts (the runner's heartbeatTimeMs). @default the Wait states' 50 ms */
  readonly heartbeatTimeMs?: number;
}

/** Starts the emulator and runner; a container gets `startupTimeoutSeconds` to answer /ping. */
export async function startHarness(startupTimeoutSeconds = 8, options: HarnessOptions = {}): Promise<Harness> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-e2e-'));
  const emulator = await startEmulator({
    port: 0,
    stateDir,
    startupTimeoutSeconds,
    stopGraceMs: 1000,
    instanceTypes: HOSTING_INSTANCE_RESOURCES,
  });
  useLocalEmulator(emulator.url);
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const models = {} as Harness['models'];
  for (const folder of MODELS) {
    const key = `${folder}/model.tar.gz`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: await exampleModelArchive(folder) }));
    models[folder] = `s3://${BUCKET}/${key}`;
  }
  const runner = await createLocalRunner({
    waitTimeMs: 50,
    retryIntervalMs: 20,
    ...(options.heartbeatTimeMs !== undefined ? { heartbeatTimeMs: options.heartbeatTimeMs } : {}),
    executionRecordsDir: join(stateDir, 'executions'),
    workflows:
      options.workflows ?? (await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG })),
  });
  const stepFunctions = await serveLocalStepFunctions(runner);
  await provisionLocalStack(runner.workflows);
  const triggers = options.triggerClock
    ? await TriggerEngine.start({ runner, stateDir, clock: options.triggerClock, subscribe: emulator.onEvents })
    : undefined;
  return {
    emulator,
    runner,
    sagemaker: new SageMakerClient({}),
    runtime: new SageMakerRuntimeClient({}),
    s3,
    models,
    stateDir,
    stepFunctions,
    ...(triggers ? { triggers } : {}),
    async close() {
      await triggers?.stop();
      await triggers?.executions.settled();
      await stepFunctions.stop();
      await emulator.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A DeployEndpoint input for the example linear model. */
export function deployInput(endpointName: string, modelDataUrl: string, overrides: Record<string, unknown> = {}) {
  return {
    endpointName,
    model: { image: IMAGE, modelDataUrl },
    variants: [{ instanceType: 'ml.m5.large' }],
    healthCheck: {
      samples: [
        { contentType: 'text/csv', accept: 'application/json', body: '1,2', expectedOutputContains: 'predictions' },
      ],
      invocations: 4,
      concurrency: 2,
    },
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    ...overrides,
  };
}

/** Runs DeployEndpoint to its end. */
export function deploy(h: Harness, input: unknown, name?: string): Promise<ExecutionResult> {
  return h.runner.start('DeployEndpoint', input, name ? { name } : {}).result;
}

/** The endpoint as SageMaker describes it, or undefined when it does not exist. */
/** The text of the object at `uri` (`s3://bucket/key`) in the emulator's S3. */
export async function readS3Text(h: Harness, uri: string): Promise<string> {
  const location = parseS3Uri(uri);
  if (location === undefined) throw new Error(`not an s3:// URI: ${uri}`);
  const out = await h.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  return (await out.Body?.transformToString()) ?? '';
}

export async function describeEndpoint(h: Harness, name: string) {
  try {
    return await h.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  } catch (error) {
    if ((error as Error).message.startsWith('Could not find endpoint')) return undefined;
    throw error;
  }
}

/** The prediction the endpoint gives for `1,2` (application/json). */
export async function predict(h: Harness, endpointName: string): Promise<string> {
  const out = await h.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpointName,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: '1,2',
    }),
  );
  return new TextDecoder().decode(out.Body).trim();
}

/** Names of the models, endpoint configs and endpoints that belong to an endpoint. */
export async function resourcesOf(h: Harness, endpointName: string) {
  const models = await h.sagemaker.send(new ListModelsCommand({ NameContains: endpointName }));
  const configs = await h.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: endpointName }));
  const endpoints = await h.sagemaker.send(new ListEndpointsCommand({ NameContains: endpointName }));
  return {
    models: (models.Models ?? []).map((m) => m.ModelName ?? ''),
    configs: (configs.EndpointConfigs ?? []).map((c) => c.EndpointConfigName ?? ''),
    endpoints: (endpoints.Endpoints ?? []).map((e) => e.EndpointName ?? ''),
  };
}

/** The endpoint's status and the model package its (first) model was created from. */
export async function servedModelPackage(h: Harness, endpointName: string) {
  const endpoint = await describeEndpoint(h, endpointName);
  const config = await h.sagemaker.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint?.EndpointConfigName }),
  );
  const model = await h.sagemaker.send(
    new DescribeModelCommand({ ModelName: config.ProductionVariants?.[0]?.ModelName }),
  );
  return {
    status: endpoint?.EndpointStatus,
    configName: endpoint?.EndpointConfigName,
    packageArn: model.PrimaryContainer?.ModelPackageName ?? model.Containers?.[0]?.ModelPackageName,
  };
}

/** The emulator's latest `SageMaker Model Package State Change` event of `arn` with `status`, as logged. */
export async function modelPackageEvent(h: Harness, arn: string, status: string): Promise<EmulatorEvent> {
  const events = (await h.emulator.readEvents()).filter(
    (e) =>
      e['detail-type'] === 'SageMaker Model Package State Change' &&
      (e.detail as { ModelPackageArn?: string }).ModelPackageArn === arn &&
      (e.detail as { ModelApprovalStatus?: string }).ModelApprovalStatus === status,
  );
  const event = events.at(-1);
  if (event === undefined) throw new Error(`the emulator logged no ${status} event of ${arn}`);
  return event;
}

/**
 * Creates the model package group `group` and two packages of it awaiting approval, v1 and v2 (the linear example's
 * two models, for ml.m5.large): their ARNs.
 */
export async function registerLinearPackages(h: Harness, group: string): Promise<Record<'v1' | 'v2', string>> {
  await h.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  const packages = { v1: '', v2: '' };
  for (const [version, model] of [
    ['v1', 'linear-v1'],
    ['v2', 'linear-v2'],
  ] as const) {
    const created = await h.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: group,
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: IMAGE, ModelDataUrl: h.models[model] }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['application/json'],
          SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
        },
      }),
    );
    packages[version] = created.ModelPackageArn ?? '';
  }
  return packages;
}
