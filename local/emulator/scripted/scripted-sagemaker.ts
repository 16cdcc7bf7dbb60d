/**
 * SageMaker in process, for fast tests and benchmarks: the emulator's own core (store, control plane, lifecycle,
 * Model Registry, runtime, transform jobs, Application Auto Scaling, EventBridge PutEvents, CloudWatch GetMetricData of
 * the endpoint metrics its runtime records, Service Quotas' endpoint instance quotas) on a manual clock and
 * scripted fleets and model servers instead of model processes, answering the unchanged AWS SDK v3 clients without
 * HTTP, and the emulator's S3 (scripted-objects.ts: its S3Api in process behind an S3 client's HTTP handler, an
 * S3Store in a temporary folder).
 * What it adds is only the
 * scripting a test needs to force a state: provisioning and deletion time on the clock, failing configs (a create
 * that ends Failed, an update SageMaker rolls back silently), the models' answers, throttling (the emulator's fault
 * injection), and states put straight into the store.
 */

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as AutoScalingSdk from '@aws-sdk/client-application-auto-scaling';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import * as CloudWatchSdk from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import * as DynamoDbSdk from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as EventBridgeSdk from '@aws-sdk/client-eventbridge';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as S3Sdk from '@aws-sdk/client-s3';
import { S3Client } from '@aws-sdk/client-s3';
import * as SageMakerSdk from '@aws-sdk/client-sagemaker';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import * as RuntimeSdk from '@aws-sdk/client-sagemaker-runtime';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import * as ServiceQuotasSdk from '@aws-sdk/client-service-quotas';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { AutoScalingApi } from '../autoscaling/api.ts';
import { AUTO_SCALING_MODEL } from '../autoscaling/api-model.ts';
import { CopyInvocations } from '../autoscaling/copy-scaling.ts';
import { TransformJobs } from '../batch/transform-jobs.ts';
import { CloudWatchApi, GET_METRIC_DATA_OUTPUT_MODEL } from '../cloudwatch/api.ts';
import { MetricStore } from '../cloudwatch/metric-store.ts';
import { DynamoDbTables } from '../dynamodb/tables.ts';
import { ServiceError } from '../errors.ts';
import { type EmulatorEvent, EventLog, putEvents } from '../events.ts';
import { type FaultConfig, FaultInjector, faultError, withDeliveryFaults } from '../faults.ts';
import { remove } from '../fs-util.ts';
import type { InstanceTypeTable } from '../hosting/capacity.ts';
import type { DeploymentSpec } from '../hosting/fleet.ts';
import { type HttpAnswer, jsonErrorAnswer, sigV4Scope } from '../http-util.ts';
import { MAX_BODY, runtimeEndpointName, SageMakerRuntime } from '../runtime.ts';
import { ComponentHosting } from '../sagemaker/component-hosting.ts';
import { SageMakerControlPlane } from '../sagemaker/control-plane.ts';
import { EndpointLifecycle } from '../sagemaker/lifecycle.ts';
import { ModelRegistry } from '../sagemaker/model-registry.ts';
import { ServiceQuotasApi } from '../service-quotas/api.ts';
import { type ApiModel, BlobSize, loadModel, project } from '../shapes.ts';
import {
  type EndpointConfigRecord,
  type EndpointRecord,
  type InferenceComponentRecord,
  type ModelRecord,
  parseArn,
  resourceArn,
  SageMakerStore,
  type Tag,
} from '../store/store.ts';
import { ManualClock } from './manual-clock.ts';
import { ScriptedCopies } from './scripted-copies.ts';
import { type FleetScript, type ScriptedFleet, ScriptedFleets, type ScriptedInvocation } from './scripted-fleets.ts';
import { RunningJobs, scriptedModelServers } from './scripted-model-servers.ts';
import { ScriptedObjects } from './scripted-objects.ts';
import {
  bindClient,
  bindClientClass,
  fromWire,
  metadata,
  operationOf,
  regionOf,
  type SdkClient,
  type SdkClientClass,
  type SdkCommand,
  type ServiceExceptionClass,
  sdkException,
  toWire,
} from './sdk-binding.ts';

type Input = Record<string, unknown>;

/** How the scripted SageMaker starts. */
interface ScriptedSageMakerOptions {
  /** Where its clock starts, in ms since the epoch. @default - the clock reads Date.now() (a faked Date moves it) */
  startTime?: number;
  /** How long every SageMaker call takes on the clock, in ms, so that creation times differ. @default 1 */
  callMs?: number;
  /** The script's starting values. */
  script?: Partial<FleetScript>;
  /**
   * Instance types' vCPUs, memory and accelerators, for inference components (as EmulatorOptions.instanceTypes).
   * @default none: inference components are refused on every instance type
   */
  instanceTypes?: InstanceTypeTable;
  /**
   * A state directory the double keeps everything in through the emulator's own persistence, laid out as the
   * emulator lays out its own (SageMaker resources, autoscaling registrations, DynamoDB tables, the event log, S3
   * objects), so that killAfter() can restart it on what is on disk; restore() removes it.
   * @default - in memory, S3 in a temporary folder of its own
   */
  stateDir?: string;
}

/** A call the double answered, as killAfter() matches it. */
export interface AnsweredCall {
  readonly service: Service;
  /** The SDK command's operation: `CreateEndpoint`, `PutObject`, `InvokeEndpoint`. */
  readonly operation: string;
}

/** What a double restarted after a kill carries on with: the time of the one that died, and its script. */
interface Restart {
  readonly clock: ManualClock;
  readonly script: FleetScript;
}

/** The error the SDK's HTTP handler gives when the connection of a request in flight is reset (the server died). */
function connectionReset(attempts: number): Error {
  return Object.assign(new Error('socket hang up'), {
    code: 'ECONNRESET',
    $metadata: { attempts, totalRetryDelay: 0 },
  });
}

/** How many attempts the client's retry strategy makes at a request (the SDK's default: 3). */
async function maxAttemptsOf(client: SdkClient): Promise<number> {
  const setting = (client.config as { maxAttempts?: unknown }).maxAttempts;
  try {
    const value = typeof setting === 'function' ? await (setting as () => Promise<unknown>)() : setting;
    return typeof value === 'number' ? value : 3;
  } catch {
    return 3;
  }
}

/** One SageMaker control-plane call the double received, with the SDK input as given. */
interface RecordedCall {
  command: string;
  input: Input;
}

/** A state forced on an endpoint, put straight into the store. */
interface ForcedEndpoint {
  EndpointName: string;
  EndpointConfigName: string;
  EndpointStatus: string;
  /** The config an Updating endpoint moves to. @default EndpointConfigName */
  PendingConfigName?: string;
  FailureReason?: string;
  LastDeploymentConfig?: Input;
  Tags?: Tag[];
  /**
   * How long the transition it is in (Creating, Updating, Deleting) still takes, in seconds of the clock.
   * @default the script's provisioning (Creating, Updating) or deletion time
   */
  settlesInSeconds?: number;
}

const SERVICES = {
  sagemaker: { Class: SageMakerClient, sdk: SageMakerSdk, Base: SageMakerSdk.SageMakerServiceException },
  runtime: {
    Class: SageMakerRuntimeClient,
    sdk: RuntimeSdk,
    Base: RuntimeSdk.SageMakerRuntimeServiceException,
  },
  events: { Class: EventBridgeClient, sdk: EventBridgeSdk, Base: EventBridgeSdk.EventBridgeServiceException },
  autoScaling: {
    Class: ApplicationAutoScalingClient,
    sdk: AutoScalingSdk,
    Base: AutoScalingSdk.ApplicationAutoScalingServiceException,
  },
  s3: { Class: S3Client, sdk: S3Sdk, Base: S3Sdk.S3ServiceException },
  dynamodb: { Class: DynamoDBClient, sdk: DynamoDbSdk, Base: DynamoDbSdk.DynamoDBServiceException },
  cloudWatch: { Class: CloudWatchClient, sdk: CloudWatchSdk, Base: CloudWatchSdk.CloudWatchServiceException },
  serviceQuotas: {
    Class: ServiceQuotasClient,
    sdk: ServiceQuotasSdk,
    Base: ServiceQuotasSdk.ServiceQuotasServiceException,
  },
} as const;

/** The services the double answers. */
export type Service = keyof typeof SERVICES;

/** Credentials for clients bound in process: nothing signs or checks them. */
const LOCAL_CREDENTIALS = { accessKeyId: 'scripted', secretAccessKey: 'scripted' };

const defaultAnswer = (modelName: string) => ({ status: 200, body: JSON.stringify({ model: modelName }) });

/** The emulator's SageMaker in process, scripted. */
export class ScriptedSageMaker {
  /** The SageMaker resources' time: what `advance` moves and the scripted transitions wait on. */
  readonly clock: ManualClock;
  /** Every resource, as the emulator stores it. */
  readonly store: SageMakerStore;
  /** How fleets behave; change it at any time. */
  readonly script: FleetScript;
  /** Every SageMaker control-plane call, in order (throttled ones too). */
  readonly calls: RecordedCall[] = [];
  /** Every event logged: PutEvents entries and SageMaker's own state change events, in order. */
  readonly events: EmulatorEvent[] = [];
  /** The S3 objects written (the endpoint leases). */
  readonly objects: ScriptedObjects;
  private readonly callMs: number;
  private readonly faults = new FaultInjector();
  private readonly fleets: ScriptedFleets;
  private readonly eventLog: EventLog;
  private readonly lifecycle: EndpointLifecycle<ScriptedFleet>;
  private readonly components: ComponentHosting;
  private readonly transforms: TransformJobs;
  private readonly controlPlane: SageMakerControlPlane;
  private readonly runtime: SageMakerRuntime;
  private readonly runtimeModel: ApiModel = loadModel('sagemaker-runtime.json');
  private readonly autoScaling: AutoScalingApi;
  /** The transform jobs under way, whose end each call waits for. */
  private readonly jobs = new RunningJobs();
  /** DynamoDB tables, every table the workflows name existing (the wait records'). */
  private readonly tables: DynamoDbTables;
  /** SageMaker's endpoint metrics of what the runtime served (no utilization: scripted fleets run no processes). */
  private readonly metrics: MetricStore;
  private readonly cloudWatch: CloudWatchApi;
  private readonly serviceQuotas: ServiceQuotasApi;
  private unbind: (() => void) | undefined;
  /** Once the double is killed: the double restarted on its state directory, when it is up. */
  private successor: Promise<ScriptedSageMaker> | undefined;
  /** Who hears of each call answered (onCall). */
  private readonly callListeners = new Set<(call: AnsweredCall) => void>();
  /** The answered call that kills the double, and who hears of the restart (killAfter). */
  private killing: { at: (call: AnsweredCall) => boolean; restarted: (double: ScriptedSageMaker) => void } | undefined;

  /** `restart` is internal: what a double restarted by killAfter() carries on with. */
  constructor(
    private readonly options: ScriptedSageMakerOptions = {},
    restart?: Restart,
  ) {
    this.clock = restart?.clock ?? new ManualClock(options.startTime);
    this.callMs = options.callMs ?? 1;
    this.script = restart?.script ?? {
      provisioningSeconds: 0,
      deletingSeconds: 0,
      failingConfigs: new Set(),
      answers: defaultAnswer,
      ...options.script,
    };
    const stateDir = options.stateDir;
    const under = (path: string) => (stateDir === undefined ? undefined : join(stateDir, path));
    this.store = new SageMakerStore(under('sagemaker'), this.clock);
    this.objects = new ScriptedObjects(stateDir);
    this.eventLog = new EventLog(under('events.jsonl'));
    this.tables = new DynamoDbTables({ implicitTables: true, ...(stateDir === undefined ? {} : { stateDir }) });
    this.metrics = new MetricStore(() => this.clock.now());
    this.cloudWatch = new CloudWatchApi(this.metrics, () => this.clock.now());
    this.fleets = new ScriptedFleets(this.clock, this.script, this.objects);
    this.eventLog.subscribe((events) => this.events.push(...events));
    const random = () => this.faults.next();
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    this.lifecycle = new EndpointLifecycle({
      store: this.store,
      events: this.eventLog,
      fleets: this.fleets,
      random,
      logger,
      defaultStartupTimeoutSeconds: 60,
      stopGraceMs: 0,
    });
    this.autoScaling = new AutoScalingApi(under('autoscaling'), this.store);
    const copyInvocations = new CopyInvocations();
    const components = new ComponentHosting({
      store: this.store,
      onInvocation: (region, name, atMs, copies) => copyInvocations.record(region, name, atMs, copies),
      copies: new ScriptedCopies(this.clock, this.script, this.fleets.invocations),
      instanceTypes: options.instanceTypes ?? {},
      random,
      logger,
      stopGraceMs: 0,
    });
    this.components = components;
    const objects = this.objects;
    const transforms = new TransformJobs({
      get stateDir() {
        return objects.root;
      },
      get s3() {
        return objects.store;
      },
      store: this.store,
      events: this.eventLog,
      logger,
      modelServers: scriptedModelServers(this.store, this.objects, this.script, this.clock, this.jobs),
    });
    const limits = {};
    this.transforms = transforms;
    this.controlPlane = new SageMakerControlPlane(
      this.store,
      this.lifecycle,
      new ModelRegistry(this.store, this.eventLog),
      limits,
      transforms,
      this.autoScaling,
      undefined,
      { hosting: components, defaultStartupTimeoutSeconds: 60 },
    );
    this.serviceQuotas = new ServiceQuotasApi(
      this.controlPlane.model.shapes.ProductionVariantInstanceType?.enum ?? [],
      limits,
    );
    this.runtime = new SageMakerRuntime(
      this.store,
      this.lifecycle,
      random,
      60_000,
      undefined,
      this.metrics,
      components,
    );
    // Target tracking acts on copy counts at every whole minute of the manual clock (when `advance` passes one).
    this.autoScaling.actOnCopyCounts({
      invocations: copyInvocations,
      setCopyCount: async (region, name, copies) => {
        await this.controlPlane.call('UpdateInferenceComponentRuntimeConfig', region, {
          InferenceComponentName: name,
          DesiredRuntimeConfig: { CopyCount: copies },
        });
      },
      logger,
    });
    this.autoScaling.startCopyScaling();
  }

  /**
   * A double started on `options.stateDir`, which holds what `earlier` (a double on another state directory, or the
   * same one) left there or a copy of it, at the time `earlier` reads now and with its script (see restartedOn).
   */
  static startOn(options: ScriptedSageMakerOptions, earlier: ScriptedSageMaker): Promise<ScriptedSageMaker> {
    if (options.stateDir === undefined) throw new Error('startOn needs a state directory');
    return ScriptedSageMaker.restartedOn(options, { clock: earlier.clock.continued(), script: earlier.script });
  }

  /**
   * A double on `options.stateDir` as the emulator starts on a state directory: what is on disk loaded (S3,
   * SageMaker resources, autoscaling registrations, the event log), the stale transform folders removed, and the
   * endpoints, components and transform jobs taken up again (the emulator's own resume).
   */
  private static async restartedOn(options: ScriptedSageMakerOptions, restart: Restart): Promise<ScriptedSageMaker> {
    const double = new ScriptedSageMaker(options, restart);
    await double.objects.load();
    await double.store.load();
    await double.autoScaling.load();
    double.events.push(...(await double.eventLog.readAll()));
    if (options.stateDir !== undefined) await remove(join(options.stateDir, 'transform'));
    double.lifecycle.resume('now');
    double.components.resume();
    double.transforms.resume();
    return double;
  }

  /**
   * Kills the double as SIGKILL kills the emulator, right after it has answered the first call that `at` matches,
   * before the caller gets the answer: the answer is lost (the caller's connection is reset), and everything the
   * double held only in memory (fleets, transitions under way, its clock's waits) is gone, without its shutdown path.
   * A new double then starts on the same state directory (see restartedOn) and takes over the process's clients;
   * `restarted` hears of it. The caller's SDK retries the reset request as it retries any transient network error,
   * when its retry strategy allows one more attempt, and that attempt, like every later call, reaches the restarted
   * double (calls made while it starts wait for it, as connections to a restarting emulator are held by its address).
   * Returns the disarm. Needs a state directory.
   */
  killAfter(at: (call: AnsweredCall) => boolean, restarted: (double: ScriptedSageMaker) => void): () => void {
    if (this.options.stateDir === undefined) throw new Error('killAfter needs a double on a state directory');
    const killing = { at, restarted };
    this.killing = killing;
    return () => {
      if (this.killing === killing) this.killing = undefined;
    };
  }

  /**
   * Kills the double now, between calls (as killAfter does after a call, with no answer in flight); resolves with the
   * double restarted on its state directory, which has taken over the process's clients.
   */
  kill(): Promise<ScriptedSageMaker> {
    if (this.options.stateDir === undefined) throw new Error('kill needs a double on a state directory');
    if (this.successor === undefined) this.die(() => undefined);
    return this.successor as unknown as Promise<ScriptedSageMaker>;
  }

  /** Calls `listener` with every call the double answers, before its caller gets the answer. Returns the unsubscribe. */
  onCall(listener: (call: AnsweredCall) => void): () => void {
    this.callListeners.add(listener);
    return () => {
      this.callListeners.delete(listener);
    };
  }

  /** Resolves once every write the double has begun is on disk (its state directory is then what it holds). */
  async settled(): Promise<void> {
    await Promise.all([this.store.settled(), this.autoScaling.settled(), this.eventLog.settled()]);
  }

  /**
   * Lets what is due on the clock happen, and on a state directory what that writes land (a write takes real time,
   * during which the transition that made it waits), until nothing more is due: the double changes state at
   * well-defined moments however fast the disk is.
   */
  private async letDueHappen(): Promise<void> {
    for (;;) {
      const woken = await this.clock.runDue();
      if (this.options.stateDir === undefined) return;
      const writing = this.store.writing;
      await this.settled();
      if (woken === 0 && !writing) return;
    }
  }

  /** Whether the double has been killed (killAfter). */
  get killed(): boolean {
    return this.successor !== undefined;
  }

  /** Kills the double now (see killAfter) and starts its successor on the same state directory. */
  private die(restarted: (double: ScriptedSageMaker) => void): void {
    // Nothing the dead double waited for happens any more; what it had begun to write lands (atomically) first.
    this.clock.halt();
    this.successor = (async () => {
      await this.settled();
      this.objects.abandon();
      const next = await ScriptedSageMaker.restartedOn(this.options, {
        clock: this.clock.continued(),
        script: this.script,
      });
      const installed = this.unbind !== undefined;
      this.unbind?.();
      this.unbind = undefined;
      if (installed) next.install();
      restarted(next);
      return next;
    })();
  }

  /** Invocations the scripted models answered, in order. */
  get invocations(): readonly ScriptedInvocation[] {
    return this.fleets.invocations;
  }

  // --- clients ---

  /**
   * Answers every SageMaker, Runtime, EventBridge, Application Auto Scaling, S3, DynamoDB, CloudWatch and Service
   * Quotas client in the process, until restore().
   */
  install(): void {
    if (this.unbind) throw new Error('this scripted SageMaker is installed already');
    const unbinds = (Object.keys(SERVICES) as Service[]).map((service) =>
      bindClientClass(SERVICES[service].Class as unknown as SdkClientClass, (client, command) =>
        this.send(service, client, command),
      ),
    );
    this.unbind = () => {
      for (const unbind of unbinds) unbind();
    };
  }

  /** Gives the clients their own `send` back, and ends the S3 objects (their folder is removed). */
  restore(): void {
    this.unbind?.();
    this.unbind = undefined;
    this.objects.close();
  }

  /** A SageMaker client of its own, answered by this double (the rest of the process is left alone). */
  sageMakerClient(region = 'us-east-1'): SageMakerClient {
    return this.bound('sagemaker', new SageMakerClient({ region, credentials: LOCAL_CREDENTIALS }));
  }

  /** A SageMaker Runtime client of its own, answered by this double. */
  runtimeClient(region = 'us-east-1'): SageMakerRuntimeClient {
    return this.bound('runtime', new SageMakerRuntimeClient({ region, credentials: LOCAL_CREDENTIALS }));
  }

  /** An Application Auto Scaling client of its own, answered by this double. */
  autoScalingClient(region = 'us-east-1'): ApplicationAutoScalingClient {
    return this.bound('autoScaling', new ApplicationAutoScalingClient({ region, credentials: LOCAL_CREDENTIALS }));
  }

  private bound<C>(service: Service, client: C): C {
    bindClient(client as unknown as SdkClient, (c, command) => this.send(service, c, command));
    return client;
  }

  /**
   * Calls `listener` with each batch of events as it is logged (SageMaker's state changes, PutEvents entries), as the
   * emulator's onEvents does, event delivery faults included. Returns the unsubscribe.
   */
  onEvents(listener: (events: readonly EmulatorEvent[]) => void): () => void {
    return this.eventLog.subscribe(withDeliveryFaults(listener, this.faults));
  }

  /** The emulator's fault injection, on the double's calls (throttling, failures of the n-th call, latency). */
  setFaults(faults: FaultConfig): void {
    this.faults.set(faults);
  }

  /** Throttles every `every`-th call of each SageMaker control-plane operation (0: none). */
  throttleSageMaker(every: number): void {
    this.faults.set(
      every > 0 ? { throttle: { every, operations: Object.keys(this.controlPlane.model.operations) } } : {},
    );
  }

  // --- time ---

  /** Moves the clock on by `seconds` and lets what is due happen (transitions end, waits pass). */
  async advance(seconds: number): Promise<void> {
    this.clock.advance(seconds * 1000);
    await this.letDueHappen();
  }

  /** Ends the endpoint's provisioning now: its fleet comes up, or fails with `failureReason` (an update rolls back). */
  async settle(endpointName: string, failureReason?: string, region = 'us-east-1'): Promise<void> {
    this.fleets.settle(region, endpointName, failureReason);
    await this.letDueHappen();
  }

  /** Lets what is due happen (e.g. a deletion of no time) without moving the clock. */
  runDue(): Promise<void> {
    return this.letDueHappen();
  }

  // --- forced states ---

  /** Puts a model straight into the store (no checks), created now unless `CreationTime` says otherwise. */
  putModel(
    model: { ModelName: string; CreationTime?: number; [member: string]: unknown },
    region = 'us-east-1',
  ): ModelRecord {
    const record: ModelRecord = {
      CreationTime: this.store.nowSeconds(),
      ...model,
      ModelArn: resourceArn(region, 'model', model.ModelName),
      smwf: { region },
    };
    void this.store.models.put(record.ModelName, record);
    return record;
  }

  /** Puts an endpoint config straight into the store (no checks: its models need not exist). */
  putEndpointConfig(
    config: {
      EndpointConfigName: string;
      ProductionVariants: Input[];
      CreationTime?: number;
      [member: string]: unknown;
    },
    region = 'us-east-1',
  ): EndpointConfigRecord {
    const record: EndpointConfigRecord = {
      CreationTime: this.store.nowSeconds(),
      ...config,
      EndpointConfigArn: resourceArn(region, 'endpoint-config', config.EndpointConfigName),
      smwf: { region },
    };
    void this.store.endpointConfigs.put(record.EndpointConfigName, record);
    return record;
  }

  /**
   * Puts an endpoint straight into the store in any status, serving its config (a fleet already running), and lets
   * the lifecycle carry on with the transition it is in, as after a restart of the emulator.
   */
  putEndpoint(forced: ForcedEndpoint, region = 'us-east-1'): EndpointRecord {
    const { PendingConfigName, settlesInSeconds, ...described } = forced;
    const status = forced.EndpointStatus;
    const now = this.store.nowSeconds();
    const active =
      status === 'Creating' || status === 'Failed' ? undefined : this.specOf(region, forced, forced.EndpointConfigName);
    const pending =
      status === 'Creating'
        ? this.specOf(region, forced, forced.EndpointConfigName)
        : status === 'Updating'
          ? this.specOf(region, forced, PendingConfigName ?? forced.EndpointConfigName)
          : undefined;
    const record: EndpointRecord = {
      ...described,
      EndpointArn: resourceArn(region, 'endpoint', forced.EndpointName),
      CreationTime: now,
      LastModifiedTime: now,
      ...(status === 'Updating' && pending ? { PendingDeploymentSummary: this.lifecycle.pendingSummary(pending) } : {}),
      smwf: { region, ...(active ? { active } : {}), ...(pending ? { pending } : {}) },
    };
    void this.store.endpoints.put(record.EndpointName, record);
    if (settlesInSeconds !== undefined && pending) {
      this.fleets.nextTransitionTakes(region, record.EndpointName, settlesInSeconds);
    }
    const stopSeconds = status === 'Deleting' ? settlesInSeconds : undefined;
    this.lifecycle.adopt(record, active ? this.fleets.running(active, stopSeconds) : undefined);
    return record;
  }

  /** A model, a config serving it on one instance, and an endpoint on that config, forced into `status`. */
  seedEndpoint(
    name: string,
    configName: string,
    modelName: string,
    options: { status?: string; settlesInSeconds?: number } = {},
  ): EndpointRecord {
    this.putModel({
      ModelName: modelName,
      PrimaryContainer: { Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${modelName}:seed` },
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/seed',
    });
    this.putEndpointConfig({
      EndpointConfigName: configName,
      ProductionVariants: [
        { VariantName: 'AllTraffic', ModelName: modelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
    });
    return this.putEndpoint({
      EndpointName: name,
      EndpointConfigName: configName,
      EndpointStatus: options.status ?? 'InService',
      ...(options.settlesInSeconds !== undefined ? { settlesInSeconds: options.settlesInSeconds } : {}),
    });
  }

  /** What a forced endpoint serves: its config's deployment when the config and its models exist, else nothing. */
  private specOf(region: string, endpoint: ForcedEndpoint, configName: string): DeploymentSpec {
    const config = this.store.endpointConfigs.get(region, configName);
    try {
      if (config) return this.lifecycle.buildSpec(region, endpoint.EndpointName, config);
    } catch {
      // a model of the config is missing: the forced endpoint serves nothing
    }
    return { endpointName: endpoint.EndpointName, endpointConfigName: configName, region, variants: [] };
  }

  // --- reading ---

  /** The endpoint as stored (API member names), or undefined. */
  endpoint(name: string, region = 'us-east-1'): EndpointRecord | undefined {
    return this.store.endpoints.get(region, name);
  }

  /** The endpoint config as stored, or undefined. */
  endpointConfig(name: string, region = 'us-east-1'): EndpointConfigRecord | undefined {
    return this.store.endpointConfigs.get(region, name);
  }

  /** The inference component as stored, or undefined. */
  inferenceComponent(name: string, region = 'us-east-1'): InferenceComponentRecord | undefined {
    return this.store.inferenceComponents.get(region, name);
  }

  /** The model as stored, or undefined. */
  model(name: string, region = 'us-east-1'): ModelRecord | undefined {
    return this.store.models.get(region, name);
  }

  /** The names of every endpoint config, oldest first. */
  endpointConfigNames(region = 'us-east-1'): string[] {
    return byCreation(this.store.endpointConfigs.list(region)).map((c) => c.EndpointConfigName);
  }

  /** The names of every model, oldest first. */
  modelNames(region = 'us-east-1'): string[] {
    return byCreation(this.store.models.list(region)).map((m) => m.ModelName);
  }

  /** The stored model, endpoint config or endpoint an ARN names, or undefined. */
  resourceByArn(arn: string): ModelRecord | EndpointConfigRecord | EndpointRecord | undefined {
    const parsed = parseArn(arn);
    if (parsed === undefined) return undefined;
    if (parsed.kind === 'model') return this.store.models.get(parsed.region, parsed.name);
    if (parsed.kind === 'endpoint-config') return this.store.endpointConfigs.get(parsed.region, parsed.name);
    if (parsed.kind === 'endpoint') return this.store.endpoints.get(parsed.region, parsed.name);
    return undefined;
  }

  /** What a Describe operation answers for a stored record, as the SDK hands it out. */
  described(operation: 'DescribeModel' | 'DescribeEndpointConfig' | 'DescribeEndpoint', record: object): unknown {
    const model = this.controlPlane.model;
    const shape = model.operations[operation]?.output?.shape ?? '';
    return fromWire(model, shape, project(model, shape, record));
  }

  /** A resource's tags as a map. */
  tagsOf(record: { Tags?: Tag[] } | undefined): Record<string, string> {
    return Object.fromEntries((record?.Tags ?? []).map((t) => [t.Key, t.Value]));
  }

  /**
   * Every event logged, in order, once every append begun is done (on a state directory, `events` is told of an
   * event only once it is on disk), as the emulator's readEvents answers.
   */
  readEvents(): Promise<EmulatorEvent[]> {
    return this.eventLog.readAll();
  }

  /** The events put with PutEvents (not SageMaker's own state change events), in order. */
  publishedEvents(): EmulatorEvent[] {
    return this.events.filter((e) => !e.source.startsWith('aws.'));
  }

  /** The calls of one SageMaker operation. */
  callsOf(operation: string): RecordedCall[] {
    return this.calls.filter((call) => call.command === operation);
  }

  // --- answering ---

  /**
   * Answers one command of a bound client, as the service would over HTTP (its `attempt`-th attempt), or, when the
   * double is killed before the caller gets the answer, as the SDK goes on after a reset connection.
   */
  private async send(service: Service, client: SdkClient, command: SdkCommand, attempt = 1): Promise<unknown> {
    if (this.successor !== undefined) return (await this.successor).send(service, client, command, attempt);
    let answered: { output: unknown } | { error: unknown };
    try {
      answered = { output: await this.answerCommand(service, client, command, attempt) };
    } catch (error) {
      answered = { error };
    }
    const call: AnsweredCall = { service, operation: operationOf(command) };
    for (const listener of this.callListeners) listener(call);
    const killing = this.killing;
    if (!this.killed && killing?.at(call)) {
      this.killing = undefined;
      this.die(killing.restarted);
    }
    const successor = this.successor as Promise<ScriptedSageMaker> | undefined;
    if (successor !== undefined) {
      // The answer died with the double (killed while it answered): the SDK retries the reset request (a transient
      // network error) if its retry strategy allows one more attempt.
      const next = await successor;
      if (attempt < (await maxAttemptsOf(client))) return next.send(service, client, command, attempt + 1);
      throw connectionReset(attempt);
    }
    if ('error' in answered) throw answered.error;
    return answered.output;
  }

  /** Answers one command, as the service would over HTTP. */
  private async answerCommand(
    service: Service,
    client: SdkClient,
    command: SdkCommand,
    attempt: number,
  ): Promise<unknown> {
    const operation = operationOf(command);
    const input = command.input as Input;
    const requestId = randomUUID();
    if (service === 'sagemaker') {
      this.calls.push({ command: operation, input });
      this.clock.advance(this.callMs);
    }
    const region = await regionOf(client);
    await this.letDueHappen();
    try {
      const decision = this.faults.decide(operation);
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      if (decision.kind !== 'none') throw faultError(decision, service === 's3');
      // S3 answers through the emulator's S3Api in process: its answers and errors come back as the SDK's.
      if (service === 's3') return await this.objects.answer(client, command);
      const output = await this.answer(service, operation, region, input, requestId);
      return { ...(output as Input), $metadata: { ...metadata(200, requestId), attempts: attempt } };
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      const { sdk, Base } = SERVICES[service];
      throw sdkException(err, sdk as Record<string, unknown>, Base as unknown as ServiceExceptionClass, requestId);
    } finally {
      await this.letDueHappen();
      // A transform job that is under way (one this call started, or one the clock woke) ends before the answer.
      await this.jobs.idle();
    }
  }

  private async answer(
    service: Service,
    operation: string,
    region: string,
    input: Input,
    requestId: string,
  ): Promise<unknown> {
    switch (service) {
      case 'sagemaker': {
        const output = await this.controlPlane.call(operation, region, toWire(input) as Input);
        return fromWire(this.controlPlane.model, this.controlPlane.model.operations[operation]?.output?.shape, output);
      }
      case 'autoScaling': {
        const output = await this.autoScaling.call(operation, region, toWire(input) as Input);
        return fromWire(AUTO_SCALING_MODEL, AUTO_SCALING_MODEL.operations[operation]?.output?.shape, output);
      }
      case 'events':
        if (operation !== 'PutEvents') break;
        return putEvents(this.eventLog, region, toWire(input));
      case 'runtime':
        if (operation !== 'InvokeEndpoint') break;
        return this.invokeEndpoint(region, input, requestId);
      case 'dynamodb':
        return this.tables.call(operation, region, input);
      case 'cloudWatch': {
        const output = this.cloudWatch.call(operation, region, toWire(input) as Input);
        return fromWire(GET_METRIC_DATA_OUTPUT_MODEL, 'GetMetricDataOutput', output);
      }
      case 'serviceQuotas':
        return this.serviceQuotas.call(operation, region, toWire(input) as Input);
    }
    throw new ServiceError('UnknownOperationException', `The scripted SageMaker does not answer ${operation}.`, 400);
  }

  /**
   * A request to SageMaker Runtime's REST path, answered as the emulator's HTTP server answers it (server.ts,
   * serveInvocation): `POST /endpoints/{EndpointName}/invocations` with its members as headers, in the region of its
   * SigV4 scope, the faults injected into InvokeEndpoint first; the model's answer with the runtime's headers, or the
   * error in restJson's shape. For a caller that sends its own signed requests instead of an SDK client's (the load
   * generator, test/workflows/load-in-process.ts). Nothing else of the runtime's REST API is answered.
   */
  async answerRuntimeRequest(request: {
    method: string;
    path: string;
    /** Lower-cased names. */
    headers: Readonly<Record<string, string>>;
    body: Uint8Array;
  }): Promise<HttpAnswer> {
    const requestId = randomUUID();
    try {
      await this.clock.runDue();
      const endpointName = runtimeEndpointName(request.method, request.path.split('?')[0] ?? '');
      if (endpointName === undefined) {
        throw new ServiceError(
          'UnknownOperationException',
          `The scripted SageMaker answers InvokeEndpoint only, not ${request.method} ${request.path}.`,
          400,
        );
      }
      const decision = this.faults.decide('InvokeEndpoint');
      if (decision.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      if (decision.kind !== 'none') throw faultError(decision, false);
      const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
      const answer = await this.runtime.invokeEndpoint(
        {
          endpointName,
          body: body.byteLength > MAX_BODY ? new BlobSize(body.byteLength) : body,
          headers: request.headers,
        },
        sigV4Scope(request.headers.authorization, () => null).region,
        requestId,
      );
      return { status: 200, headers: answer.headers, body: answer.body };
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return jsonErrorAnswer('restJson', err, requestId, '');
    } finally {
      await this.clock.runDue();
    }
  }

  /** InvokeEndpoint through the emulator's runtime: the request's header members as headers, the answer's back. */
  private async invokeEndpoint(region: string, input: Input, requestId: string): Promise<Input> {
    const shapes = this.runtimeModel.shapes;
    const headers: Record<string, string> = {};
    for (const [member, ref] of Object.entries(shapes.InvokeEndpointInput?.members ?? {})) {
      if (ref.location === 'header' && ref.locationName && input[member] !== undefined) {
        headers[ref.locationName.toLowerCase()] = String(input[member]);
      }
    }
    const body = input.Body;
    const answer = await this.runtime.invokeEndpoint(
      {
        endpointName: String(input.EndpointName),
        body: Buffer.from(typeof body === 'string' ? body : ((body as Uint8Array | undefined) ?? new Uint8Array())),
        headers,
      },
      region,
      requestId,
    );
    const answerHeaders = new Map(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const output: Input = { Body: new Uint8Array(answer.body) };
    for (const [member, ref] of Object.entries(shapes.InvokeEndpointOutput?.members ?? {})) {
      const value =
        ref.location === 'header' && ref.locationName ? answerHeaders.get(ref.locationName.toLowerCase()) : undefined;
      if (value !== undefined) output[member] = value;
    }
    return output;
  }
}

function byCreation<T extends { CreationTime: number }>(records: T[]): T[] {
  return [...records].sort((a, b) => a.CreationTime - b.CreationTime);
}
