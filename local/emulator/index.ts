import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { AsyncInference } from './async/async-inference.ts';
import { NotificationLog, type PublishedNotification } from './async/notifications.ts';
import { AutoScalingApi } from './autoscaling/api.ts';
import { CopyInvocations } from './autoscaling/copy-scaling.ts';
import { startModelServers } from './batch/job-containers.ts';
import { TransformJobs } from './batch/transform-jobs.ts';
import { DataCaptureWriter } from './capture/data-capture.ts';
import { CloudWatchApi } from './cloudwatch/api.ts';
import { MetricStore } from './cloudwatch/metric-store.ts';
import { UtilizationSampler } from './cloudwatch/utilization.ts';
import { DynamoDbTables } from './dynamodb/tables.ts';
import { type EmulatorEvent, EventLog } from './events.ts';
import { type FaultConfig, FaultInjector, withDeliveryFaults } from './faults.ts';
import { remove } from './fs-util.ts';
import type { InstanceTypeTable } from './hosting/capacity.ts';
import { ProcessCopies } from './hosting/component-copies.ts';
import { ContainerRecords } from './hosting/container-records.ts';
import { type ImagesFile, loadImages } from './hosting/images.ts';
import { DEFAULT_MULTI_MODEL_OPTIONS } from './hosting/multi-model.ts';
import { ExecutionRoles } from './iam/roles.ts';
import { stopWhenInterrupted } from './interrupts.ts';
import { InvocationLane } from './invocation-lane.ts';
import { fileLogger } from './logger.ts';
import { MAX_BODY, SageMakerRuntime } from './runtime.ts';
import { S3Api } from './s3/api.ts';
import { S3Store } from './s3/store.ts';
import { ComponentHosting } from './sagemaker/component-hosting.ts';
import { SageMakerControlPlane, type SageMakerLimits } from './sagemaker/control-plane.ts';
import { EndpointLifecycle, ProcessFleets } from './sagemaker/lifecycle.ts';
import { ModelRegistry } from './sagemaker/model-registry.ts';
import { handleRequest, serveInvocation } from './server.ts';
import { ServiceQuotasApi } from './service-quotas/api.ts';
import { SageMakerStore } from './store/store.ts';

export type { PublishedNotification } from './async/notifications.ts';
export type { EmulatorEvent } from './events.ts';
export type { EventDeliveryFault, FailNthFault, FaultConfig } from './faults.ts';
export type { InstanceResources, InstanceTypeTable } from './hosting/capacity.ts';
export type { ImageMapping, ImagesFile } from './hosting/images.ts';
export type { InterruptOptions, InterruptOutcome, Stoppable } from './interrupts.ts';
export { exitOnInterrupt, interruptLine, stopWhenInterrupted } from './interrupts.ts';
export type { SageMakerLimits } from './sagemaker/control-plane.ts';

/** Options of startEmulator. */
export interface EmulatorOptions {
  /** TCP port on 127.0.0.1. @default 0 (a free port) */
  port?: number;
  /** Directory holding all state: objects, resources, container logs, events log. */
  stateDir: string;
  /** Images file (path or parsed) mapping image URIs or globs to local commands. @default only the built-in smwf-examples images */
  images?: string | ImagesFile;
  /** /ping window when a variant sets no ContainerStartupHealthCheckTimeoutInSeconds. @default 60 */
  startupTimeoutSeconds?: number;
  /** How long an invocation may wait for the container. @default 60 */
  invocationTimeoutSeconds?: number;
  /** Grace period between SIGTERM and SIGKILL when stopping model processes. @default 5000 */
  stopGraceMs?: number;
  /** Fault injection. @default off */
  faults?: FaultConfig;
  /** Service quotas answered with ResourceLimitExceeded. @default { instancesPerType: 20 } */
  limits?: SageMakerLimits;
  /**
   * Models one multi-model container (one instance) keeps loaded; loading one more first unloads the least recently
   * used idle model (SageMaker unloads under memory pressure, which the emulator cannot measure). @default 100
   */
  multiModelCapacity?: number;
  /**
   * How long an invocation of a multi-model endpoint waits for its model to download and load before it answers
   * `ModelNotReadyException` (the load goes on). Fractions allowed, for tests. @default 60 (AWS's value)
   */
  multiModelLoadWaitSeconds?: number;
  /**
   * The vCPUs, memory and accelerators of instance types, by SageMaker instance type: the capacity inference component
   * copies are placed in. The emulator knows SageMaker's API, not its hardware; smwf passes the project's table
   * (contracts/parts/instance-type-values.ts). @default none: inference components are refused on every instance type
   */
  instanceTypes?: InstanceTypeTable;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. http://127.0.0.1:4566 (use as AWS_ENDPOINT_URL). */
  url: string;
  /** Closes the server and stops every model process (SIGTERM, then SIGKILL after the grace period). */
  stop(): Promise<void>;
  /** Changes fault injection at run time (resets call counters and reseeds). */
  setFaults(faults: FaultConfig): void;
  /** The PutEvents log plus emitted 'SageMaker Endpoint/Transform Job/Model Package State Change' events, in order. */
  readEvents(): Promise<EmulatorEvent[]>;
  /**
   * Calls `listener` with each batch of events as it is logged (after it is on disk), in order: how the local
   * trigger engine sees what EventBridge would deliver (dropped, repeated, late or out of order as the faults'
   * `events` say). Returns the unsubscribe.
   */
  onEvents(listener: (events: readonly EmulatorEvent[]) => void): () => void;
  /** The SNS messages SageMaker published for asynchronous endpoints (TestNotification, InferenceResult), in order. */
  readNotifications(): Promise<PublishedNotification[]>;
}

function multiModelOptions(options: EmulatorOptions) {
  const capacity = options.multiModelCapacity ?? DEFAULT_MULTI_MODEL_OPTIONS.capacity;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`multiModelCapacity must be a positive integer, got ${capacity}`);
  }
  const waitSeconds = options.multiModelLoadWaitSeconds;
  if (waitSeconds !== undefined && !(waitSeconds > 0)) {
    throw new RangeError(`multiModelLoadWaitSeconds must be positive, got ${waitSeconds}`);
  }
  return {
    ...DEFAULT_MULTI_MODEL_OPTIONS,
    capacity,
    ...(waitSeconds === undefined ? {} : { loadWaitMs: waitSeconds * 1000 }),
  };
}

/** Starts the local SageMaker + Runtime + S3 + EventBridge emulator on 127.0.0.1. */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const stateDir = resolve(options.stateDir);
  await mkdir(stateDir, { recursive: true });
  const logger = fileLogger(join(stateDir, 'emulator.log'));
  const stopGraceMs = options.stopGraceMs ?? 5000;
  // Before anything is hosted again: what an emulator killed on this state directory left running is stopped.
  const containers = new ContainerRecords(join(stateDir, 'containers'), stopGraceMs);
  const reclaimed = await containers.reclaimLeftovers();
  if (reclaimed.containers > 0) {
    logger.warn('stopped the containers an emulator that ended without stopping them left running', {
      records: reclaimed.containers,
      processes: reclaimed.processes,
    });
  }
  const images = await loadImages(options.images);
  const faults = new FaultInjector(options.faults);
  const random = () => faults.next();
  const s3Store = new S3Store(join(stateDir, 's3'), new ExecutionRoles(join(stateDir, 'iam', 'roles.json'), logger));
  await s3Store.load();
  const store = new SageMakerStore(join(stateDir, 'sagemaker'));
  await store.load();
  const autoScaling = new AutoScalingApi(join(stateDir, 'autoscaling'), store);
  await autoScaling.load();
  const events = new EventLog(join(stateDir, 'events.jsonl'), (error) =>
    logger.error('an event subscriber failed; the event log goes on', { error: String(error) }),
  );
  // Model directories of a previous run are stale: every fleet extracts its artifacts afresh.
  await remove(join(stateDir, 'hosting'));
  const lifecycle = new EndpointLifecycle({
    store,
    events,
    fleets: new ProcessFleets({
      stateDir,
      s3: s3Store,
      images,
      multiModel: multiModelOptions(options),
      random,
      records: containers,
    }),
    random,
    logger,
    defaultStartupTimeoutSeconds: options.startupTimeoutSeconds ?? 60,
    stopGraceMs,
  });
  // Inference components' invocations per copy, which their target-tracking policies act on.
  const copyInvocations = new CopyInvocations();
  const components = new ComponentHosting({
    store,
    onInvocation: (region, name, atMs, copies) => copyInvocations.record(region, name, atMs, copies),
    copies: new ProcessCopies({
      s3: s3Store,
      images,
      hostingRoot: join(stateDir, 'hosting'),
      logRoot: join(stateDir, 'logs'),
      records: containers,
    }),
    instanceTypes: options.instanceTypes ?? {},
    random,
    logger,
    stopGraceMs,
  });
  // Transform jobs of a previous run start over, so their working files are stale too.
  await remove(join(stateDir, 'transform'));
  const modelServerDeps = {
    stateDir,
    store,
    s3: s3Store,
    images,
    startupTimeoutSeconds: options.startupTimeoutSeconds ?? 60,
    stopGraceMs,
    containers,
  };
  const transforms = new TransformJobs({
    stateDir,
    store,
    s3: s3Store,
    events,
    logger,
    modelServers: (record, workDir, signal) => startModelServers(modelServerDeps, record, workDir, signal),
  });
  const notifications = new NotificationLog(join(stateDir, 'sns.jsonl'));
  // One writer for both kinds of invocation: it counts each variant's invocations for sampling.
  const capture = new DataCaptureWriter(s3Store, logger);
  const asyncInference = new AsyncInference({
    stateDir,
    store,
    s3: s3Store,
    routing: lifecycle,
    notifications,
    random,
    logger,
    capture,
  });
  // SageMaker's endpoint metrics, from what the runtime serves and what the hosted containers use.
  const metrics = new MetricStore();
  const utilization = new UtilizationSampler(metrics, () =>
    lifecycle.hostedFleets().flatMap((fleet) =>
      fleet.variants.map((variant) => ({
        region: fleet.spec.region,
        endpointName: fleet.spec.endpointName,
        variantName: variant.spec.variantName,
        instances: variant.instances,
      })),
    ),
  );
  const sagemaker = new SageMakerControlPlane(
    store,
    lifecycle,
    new ModelRegistry(store, events),
    options.limits,
    transforms,
    autoScaling,
    asyncInference,
    { hosting: components, defaultStartupTimeoutSeconds: options.startupTimeoutSeconds ?? 60 },
  );
  const services = {
    sagemaker,
    autoScaling,
    runtime: new SageMakerRuntime(
      store,
      lifecycle,
      random,
      (options.invocationTimeoutSeconds ?? 60) * 1000,
      capture,
      metrics,
      components,
    ),
    cloudWatch: new CloudWatchApi(metrics),
    serviceQuotas: new ServiceQuotasApi(
      sagemaker.model.shapes.ProductionVariantInstanceType?.enum ?? [],
      options.limits,
    ),
    dynamodb: new DynamoDbTables({ stateDir }),
    asyncInference,
    s3: new S3Api(s3Store),
    events,
    faults,
    logger,
    roles: s3Store.roles,
  };
  autoScaling.actOnCopyCounts({
    invocations: copyInvocations,
    setCopyCount: async (region, name, copies) => {
      await services.sagemaker.call('UpdateInferenceComponentRuntimeConfig', region, {
        InferenceComponentName: name,
        DesiredRuntimeConfig: { CopyCount: copies },
      });
    },
    logger,
  });
  const stopCopyScaling = autoScaling.startCopyScaling();
  const server = createServer((req, res) => {
    void handleRequest(services, req, res);
  });
  server.keepAliveTimeout = 5000;
  const lane = new InvocationLane(server, (invocation) => serveInvocation(services, invocation), MAX_BODY);
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolvePromise());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      utilization.stop();
      stopCopyScaling();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      lane.closeIdleConnections();
      // The queue stops first, so requests its stopping containers interrupt stay queued for the next start.
      const queueStopped = asyncInference.stop();
      await Promise.all([lifecycle.stopAll(), components.stopAll(), transforms.stopAll(), queueStopped]);
      server.closeAllConnections();
      lane.closeAllConnections();
      await closed;
      containers.retire();
      forgetOnInterrupt();
    })();
    return stopping;
  };
  // Before any container starts: a command interrupted from now on stops this emulator's containers too.
  const forgetOnInterrupt = stopWhenInterrupted({ stop });
  lifecycle.resume('on first use');
  components.resume();
  await utilization.start();
  transforms.resume();
  await asyncInference.resume();
  return {
    url: `http://127.0.0.1:${port}`,
    stop,
    setFaults(config) {
      faults.set(config);
    },
    readEvents() {
      return events.readAll();
    },
    onEvents(listener) {
      return events.subscribe(withDeliveryFaults(listener, faults));
    },
    readNotifications() {
      return notifications.readAll();
    },
  };
}
