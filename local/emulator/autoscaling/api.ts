/**
 * Application Auto Scaling (awsJson1.1, X-Amz-Target `AnyScaleFrontendService.<Op>`) for SageMaker endpoint variants
 * and inference components: scalable targets and scaling policies, validated as AWS validates them, stored in the
 * state directory and described back as registered. A variant's instance count never changes (no alarm fires: see
 * the emulator README); an inference component's copy count does: registering puts it within the range, and its
 * target-tracking policy acts on its invocations per copy once a minute (copy-scaling.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { notEmulated, ServiceError } from '../errors.ts';
import { ACCOUNT_ID } from '../events.ts';
import { readJson, writeJsonAtomic } from '../fs-util.ts';
import type { Logger } from '../logger.ts';
import type { Operations } from '../operations.ts';
import { ShapeValidator } from '../shapes.ts';
import { nextToken, pageOf } from '../store/listing.ts';
import {
  type EndpointConfigRecord,
  type EndpointRecord,
  isAsyncEndpoint,
  type SageMakerStore,
} from '../store/store.ts';
import { AUTO_SCALING_MODEL } from './api-model.ts';
import {
  type CopyInvocations,
  INVOCATIONS_PER_COPY,
  MINUTE_MS,
  SCALE_IN_DATAPOINTS,
  type TrackingConfiguration,
  trackTarget,
} from './copy-scaling.ts';

type Input = Record<string, unknown>;

/**
 * The namespace and the two dimensions emulated: a SageMaker variant's instance count and an inference component's
 * copy count, each with its resource id and the predefined metric its target tracking takes.
 */
const NAMESPACE = 'sagemaker';
const INSTANCE_COUNT = 'sagemaker:variant:DesiredInstanceCount';
const COPY_COUNT = 'sagemaker:inference-component:DesiredCopyCount';
/** The predefined metric of an instance variant (the others are for serverless variants and inference components). */
const VARIANT_METRIC = 'SageMakerVariantInvocationsPerInstance';
const RESOURCE_ID = /^endpoint\/([^/]+)\/variant\/([^/]+)$/;
const COMPONENT_RESOURCE_ID = /^inference-component\/([^/]+)$/;
/** Each emulated dimension's predefined metric. */
const METRIC_OF: Readonly<Record<string, string>> = {
  [INSTANCE_COUNT]: VARIANT_METRIC,
  [COPY_COUNT]: INVOCATIONS_PER_COPY,
};
/** Statuses in which an endpoint is changing; SageMaker autoscaling waits for InService. */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting']);

/** How the API changes inference components' copy counts (wired once the SageMaker control plane exists). */
export interface CopyCountScaling {
  /** Every component's invocations per copy, which the runtime records. */
  invocations: CopyInvocations;
  /** Sets a component's copy count as UpdateInferenceComponentRuntimeConfig does. */
  setCopyCount(region: string, componentName: string, copies: number): Promise<void>;
  logger: Logger;
}

/** A registered scalable target, in Application Auto Scaling's member names. */
interface ScalableTarget {
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  MinCapacity: number;
  MaxCapacity: number;
  RoleARN: string;
  CreationTime: number;
  SuspendedState: {
    DynamicScalingInSuspended: boolean;
    DynamicScalingOutSuspended: boolean;
    ScheduledScalingSuspended: boolean;
  };
  ScalableTargetARN: string;
}

/** A scaling policy, in Application Auto Scaling's member names. */
interface ScalingPolicy {
  PolicyARN: string;
  PolicyName: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  PolicyType: string;
  StepScalingPolicyConfiguration?: Input;
  TargetTrackingScalingPolicyConfiguration?: Input;
  Alarms: { AlarmName: string; AlarmARN: string }[];
  CreationTime: number;
}

/** One region's registrations, as stored in `<stateDir>/autoscaling/<region>.json`. */
interface RegionState {
  targets: ScalableTarget[];
  policies: ScalingPolicy[];
}

/** What the SageMaker control plane asks of autoscaling when an endpoint changes. */
export interface EndpointScalingGuard {
  /**
   * Refuses an update that would change the instance type of, or remove, a variant registered as a scalable
   * target (DG endpoint-scaling-update); a change of model alone is allowed.
   */
  checkUpdate(
    region: string,
    endpoint: EndpointRecord,
    from: EndpointConfigRecord | undefined,
    to: EndpointConfigRecord,
  ): void;
  /** Deregisters the endpoint's variants and deletes their policies, as AWS does when an endpoint is deleted. */
  endpointDeleted(region: string, endpointName: string): Promise<void>;
  /** Deregisters a deleted inference component and deletes its policies (the emulator's choice, as for endpoints). */
  componentDeleted(region: string, componentName: string): Promise<void>;
}

const notFoundTarget = (i: Input) =>
  new ServiceError(
    'ObjectNotFoundException',
    `No scalable target found for service namespace: ${String(i.ServiceNamespace)}, resource ID: ${String(i.ResourceId)}, scalable dimension: ${String(i.ScalableDimension)}`,
  );

const validation = (message: string) => new ServiceError('ValidationException', message);

/** The Application Auto Scaling API of the emulator. */
export class AutoScalingApi implements EndpointScalingGuard {
  private readonly validator = new ShapeValidator(AUTO_SCALING_MODEL, 'ValidationException');
  private readonly regions = new Map<string, RegionState>();
  private writes: Promise<void> = Promise.resolve();
  private readonly handlers: Operations;
  /** Without it, inference components' copy counts are refused as not emulated. */
  private copyScaling: CopyCountScaling | undefined;
  /** When this emulator last scaled each component out and in (cooldowns), by region and resource id. */
  private readonly lastScaled = new Map<string, { out?: number; in?: number }>();

  /** Registrations are kept under `root` (in memory only without one). */
  constructor(
    private readonly root: string | undefined,
    private readonly sagemaker: SageMakerStore,
  ) {
    this.handlers = {
      RegisterScalableTarget: (r, i) => this.register(r, i),
      DeregisterScalableTarget: (r, i) => this.deregister(r, i),
      DescribeScalableTargets: async (r, i) => this.describeTargets(r, i),
      PutScalingPolicy: (r, i) => this.putPolicy(r, i),
      DeleteScalingPolicy: (r, i) => this.deletePolicy(r, i),
      DescribeScalingPolicies: async (r, i) => this.describePolicies(r, i),
    };
  }

  /** Lets registrations and target-tracking policies of inference components change their copy counts. */
  actOnCopyCounts(scaling: CopyCountScaling): void {
    this.copyScaling = scaling;
  }

  /**
   * Evaluates the components' target-tracking policies at every whole minute of the store's clock until the
   * returned function is called.
   */
  startCopyScaling(): () => void {
    const clock = this.sagemaker.clock;
    const stop = new AbortController();
    void (async () => {
      while (!stop.signal.aborted) {
        const now = clock.now();
        // A signal of its own per wait: a clock's sleep leaves its abort listener on the signal it was given.
        const round = new AbortController();
        const endRound = () => round.abort();
        stop.signal.addEventListener('abort', endRound, { once: true });
        await clock.sleep((Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS - now, round.signal);
        stop.signal.removeEventListener('abort', endRound);
        if (stop.signal.aborted) return;
        await this.scaleCopies(clock.now()).catch((error: unknown) =>
          this.copyScaling?.logger.error('evaluating the inference components’ scaling policies failed', {
            error: String(error),
          }),
        );
      }
    })();
    return () => stop.abort();
  }

  /**
   * What the components' target-tracking policies ask for at `nowMs`, done: for each registered component that is
   * InService with a target-tracking policy, the largest copy count its policies want (copy-scaling.ts), set with
   * UpdateInferenceComponentRuntimeConfig. A component that is changing is left for the next minute.
   */
  async scaleCopies(nowMs: number): Promise<void> {
    const scaling = this.copyScaling;
    if (scaling === undefined) return;
    for (const [region, state] of this.regions) {
      for (const target of state.targets) {
        const name = COMPONENT_RESOURCE_ID.exec(target.ResourceId)?.[1];
        if (name === undefined) continue;
        const component = this.sagemaker.inferenceComponents.get(region, name);
        if (component?.InferenceComponentStatus !== 'InService' || component.smwf.pending !== undefined) continue;
        const policies = state.policies.filter(
          (p) => p.ResourceId === target.ResourceId && p.PolicyType === 'TargetTrackingScaling',
        );
        if (policies.length === 0) continue;
        const key = `${region}\u0000${target.ResourceId}`;
        const last = this.lastScaled.get(key) ?? {};
        const current = component.RuntimeConfig.DesiredCopyCount;
        const datapoints = scaling.invocations.datapoints(
          region,
          name,
          Math.floor(nowMs / MINUTE_MS),
          SCALE_IN_DATAPOINTS,
        );
        const tracked = {
          current,
          min: target.MinCapacity,
          max: target.MaxCapacity,
          scaleOutSuspended: target.SuspendedState.DynamicScalingOutSuspended,
          scaleInSuspended: target.SuspendedState.DynamicScalingInSuspended,
          lastScaleOutMs: last.out,
          lastScaleInMs: last.in,
        };
        const wanted = policies.map(
          (p) =>
            trackTarget(
              p.TargetTrackingScalingPolicyConfiguration as unknown as TrackingConfiguration,
              datapoints,
              tracked,
              nowMs,
            ) ?? current,
        );
        // The policy that asks for the most capacity wins, out and in (Application Auto Scaling User Guide).
        const copies = Math.max(...wanted);
        if (copies === current) continue;
        await scaling.setCopyCount(region, name, copies);
        this.lastScaled.set(key, copies > current ? { ...last, out: nowMs } : { ...last, in: nowMs });
        scaling.logger.info('target tracking changed a copy count', { component: name, from: current, to: copies });
      }
    }
  }

  /** Resolves once every registration written so far is on disk (or its write has failed). */
  async settled(): Promise<void> {
    let writes: Promise<void> | undefined;
    while (writes !== this.writes) {
      writes = this.writes;
      await writes.catch(() => undefined);
    }
  }

  /** Loads every region's registrations from the state directory. */
  async load(): Promise<void> {
    const root = this.root;
    if (root === undefined) return;
    await mkdir(root, { recursive: true });
    for (const file of await readdir(root)) {
      if (!file.endsWith('.json')) continue;
      const state = await readJson<RegionState>(join(root, file));
      if (state) this.regions.set(file.slice(0, -5), state);
    }
  }

  /** Validates the input against the operation's shape and runs it. */
  async call(operation: string, region: string, input: Input): Promise<unknown> {
    const handler = this.handlers[operation];
    if (!handler) {
      throw new ServiceError(
        'UnknownOperationException',
        `The operation ${operation} is not supported by the smwf local emulator (Application Auto Scaling: ${Object.keys(this.handlers).join(', ')}).`,
      );
    }
    this.validator.validate(operation, input);
    if (input.ServiceNamespace !== NAMESPACE) {
      throw validation(
        `Service namespace ${String(input.ServiceNamespace)} is not emulated by the smwf local emulator: only sagemaker endpoint variants scale here.`,
      );
    }
    if (input.ScalableDimension !== undefined && METRIC_OF[String(input.ScalableDimension)] === undefined) {
      throw validation(
        `Scalable dimension ${String(input.ScalableDimension)} is not emulated by the smwf local emulator: only ${INSTANCE_COUNT} and ${COPY_COUNT}.`,
      );
    }
    return handler(region, input);
  }

  // --- guard for the SageMaker control plane ---

  checkUpdate(
    region: string,
    endpoint: EndpointRecord,
    from: EndpointConfigRecord | undefined,
    to: EndpointConfigRecord,
  ): void {
    const scaled = this.targetsOf(region, endpoint.EndpointName);
    if (scaled.length === 0 || from === undefined) return;
    const instanceType = (config: EndpointConfigRecord, variant: string) =>
      config.ProductionVariants.find((v) => v.VariantName === variant)?.InstanceType;
    const blocked = scaled
      .map((t) => RESOURCE_ID.exec(t.ResourceId)?.[2] as string)
      .filter((variant) => {
        const next = to.ProductionVariants.find((v) => v.VariantName === variant);
        return next === undefined || next.InstanceType !== instanceType(from, variant);
      });
    if (blocked.length > 0) {
      throw validation(
        `Cannot update endpoint "${endpoint.EndpointArn}": variant(s) [${blocked.join(', ')}] are registered as scalable targets with Application Auto Scaling, and the update would change their instance type or remove them. Deregister them (DeregisterScalableTarget) before the update and register them again after it.`,
      );
    }
  }

  async componentDeleted(region: string, componentName: string): Promise<void> {
    this.copyScaling?.invocations.forget(region, componentName);
    const resourceId = `inference-component/${componentName}`;
    const state = this.state(region);
    if (!state.targets.some((t) => t.ResourceId === resourceId)) return;
    state.targets = state.targets.filter((t) => t.ResourceId !== resourceId);
    state.policies = state.policies.filter((p) => p.ResourceId !== resourceId);
    this.lastScaled.delete(`${region}\u0000${resourceId}`);
    await this.save(region);
  }

  async endpointDeleted(region: string, endpointName: string): Promise<void> {
    const state = this.state(region);
    const ids = new Set(this.targetsOf(region, endpointName).map((t) => t.ResourceId));
    if (ids.size === 0) return;
    state.targets = state.targets.filter((t) => !ids.has(t.ResourceId));
    state.policies = state.policies.filter((p) => !ids.has(p.ResourceId));
    await this.save(region);
  }

  // --- operations ---

  private async register(region: string, input: Input): Promise<unknown> {
    const resourceId = String(input.ResourceId);
    const state = this.state(region);
    const existing = state.targets.find((t) => t.ResourceId === resourceId);
    if (input.Tags !== undefined) {
      // Accepting tags without storing them would claim work not done; tag operations are not emulated either.
      throw notEmulated('RegisterScalableTarget Tags (tagging scalable targets) are');
    }
    const dimension = String(input.ScalableDimension);
    const component = dimension === COPY_COUNT ? this.requireComponent(region, resourceId) : undefined;
    const endpoint = component === undefined ? this.requireScalableVariant(region, resourceId, dimension) : undefined;
    const min = (input.MinCapacity as number | undefined) ?? existing?.MinCapacity;
    const max = (input.MaxCapacity as number | undefined) ?? existing?.MaxCapacity;
    if (min === undefined || max === undefined) {
      throw validation('MinCapacity and MaxCapacity are required to register a new scalable target.');
    }
    if (min < 0 || max < 0) throw validation('MinCapacity and MaxCapacity must be 0 or more.');
    if (min > max) throw validation(`Minimum capacity (${min}) cannot be greater than maximum capacity (${max}).`);
    if (min === 0 && endpoint !== undefined && !isAsyncEndpoint(endpoint)) {
      throw validation(
        `Minimum capacity 0 is supported only for asynchronous inference endpoints; endpoint ${endpoint.EndpointName} is not one.`,
      );
    }
    if (min === 0 && component !== undefined) {
      throw notEmulated(
        `Scaling inference component ${component.InferenceComponentName} to zero copies (MinCapacity 0, with an endpoint's ManagedInstanceScaling MinInstanceCount 0) is`,
      );
    }
    const suspended = (input.SuspendedState ?? {}) as Partial<ScalableTarget['SuspendedState']>;
    const previous = existing?.SuspendedState;
    const target: ScalableTarget = {
      ServiceNamespace: NAMESPACE,
      ResourceId: resourceId,
      ScalableDimension: dimension,
      MinCapacity: min,
      MaxCapacity: max,
      // SageMaker supports service-linked roles, so Application Auto Scaling uses its own whatever RoleARN says
      // (API reference, RegisterScalableTarget RoleARN).
      RoleARN: `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`,
      CreationTime: existing?.CreationTime ?? Date.now() / 1000,
      SuspendedState: {
        DynamicScalingInSuspended: suspended.DynamicScalingInSuspended ?? previous?.DynamicScalingInSuspended ?? false,
        DynamicScalingOutSuspended:
          suspended.DynamicScalingOutSuspended ?? previous?.DynamicScalingOutSuspended ?? false,
        ScheduledScalingSuspended: suspended.ScheduledScalingSuspended ?? previous?.ScheduledScalingSuspended ?? false,
      },
      ScalableTargetARN:
        existing?.ScalableTargetARN ??
        `arn:aws:application-autoscaling:${region}:${ACCOUNT_ID}:scalable-target/${randomUUID().replaceAll('-', '').slice(0, 28)}`,
    };
    if (existing) Object.assign(existing, target);
    else state.targets.push(target);
    await this.save(region);
    // "If it's below the minimum capacity or above the maximum capacity, Application Auto Scaling adjusts the
    // capacity ... to place it within these bounds"; a resource that is not active keeps its capacity (API
    // reference, RegisterScalableTarget).
    if (component?.InferenceComponentStatus === 'InService' && component.smwf.pending === undefined) {
      const copies = component.RuntimeConfig.DesiredCopyCount;
      const within = Math.min(max, Math.max(min, copies));
      if (within !== copies) await this.copyScaling?.setCopyCount(region, component.InferenceComponentName, within);
    }
    return { ScalableTargetARN: target.ScalableTargetARN };
  }

  private async deregister(region: string, input: Input): Promise<unknown> {
    const state = this.state(region);
    const resourceId = String(input.ResourceId);
    if (!state.targets.some((t) => t.ResourceId === resourceId)) throw notFoundTarget(input);
    // Deregistering a target deletes its scaling policies (API reference, DeregisterScalableTarget).
    state.targets = state.targets.filter((t) => t.ResourceId !== resourceId);
    state.policies = state.policies.filter((p) => p.ResourceId !== resourceId);
    await this.save(region);
    return {};
  }

  private describeTargets(region: string, input: Input): unknown {
    const ids = input.ResourceIds as string[] | undefined;
    if (ids !== undefined && ids.length > 50) throw validation('ResourceIds can hold at most 50 resource IDs.');
    const targets = this.state(region).targets.filter(
      (t) =>
        (ids === undefined || ids.length === 0 || ids.includes(t.ResourceId)) &&
        (input.ScalableDimension === undefined || t.ScalableDimension === input.ScalableDimension),
    );
    const { page, next } = this.page(targets, input, 50);
    return { ScalableTargets: page, ...(next ? { NextToken: next } : {}) };
  }

  private async putPolicy(region: string, input: Input): Promise<unknown> {
    const state = this.state(region);
    const resourceId = String(input.ResourceId);
    const dimension = String(input.ScalableDimension);
    if (!state.targets.some((t) => t.ResourceId === resourceId && t.ScalableDimension === dimension)) {
      throw new ServiceError(
        'ObjectNotFoundException',
        `No scalable target registered for service namespace: ${NAMESPACE}, resource ID: ${resourceId}, scalable dimension: ${dimension}`,
      );
    }
    const type = (input.PolicyType as string | undefined) ?? 'StepScaling';
    if (dimension === COPY_COUNT && type !== 'TargetTrackingScaling') {
      throw notEmulated(
        `A ${type} policy on an inference component's copy count (it acts on CloudWatch alarms, which the emulator does not have) is`,
      );
    }
    const name = String(input.PolicyName);
    const existing = state.policies.find((p) => p.ResourceId === resourceId && p.PolicyName === name);
    if (existing && (existing.PolicyType === 'TargetTrackingScaling') !== (type === 'TargetTrackingScaling')) {
      throw validation(
        'You cannot change a TargetTrackingScaling policy to a non TargetTrackingScaling policy, or vice versa',
      );
    }
    const policy: ScalingPolicy = {
      PolicyARN:
        existing?.PolicyARN ??
        `arn:aws:autoscaling:${region}:${ACCOUNT_ID}:scalingPolicy:${randomUUID()}:resource/${NAMESPACE}/${resourceId}:policyName/${name}`,
      PolicyName: name,
      ServiceNamespace: NAMESPACE,
      ResourceId: resourceId,
      ScalableDimension: dimension,
      PolicyType: type,
      Alarms: [],
      CreationTime: existing?.CreationTime ?? Date.now() / 1000,
    };
    if (type === 'TargetTrackingScaling') {
      const config = this.targetTrackingConfig(
        input.TargetTrackingScalingPolicyConfiguration as Input | undefined,
        dimension,
      );
      policy.TargetTrackingScalingPolicyConfiguration = config;
      // Target tracking creates its CloudWatch alarms; none without scale-in has no low alarm.
      const alarms = config.DisableScaleIn === true ? ['AlarmHigh'] : ['AlarmHigh', 'AlarmLow'];
      policy.Alarms = alarms.map((kind) => {
        const alarmName = `TargetTracking-${resourceId}-${kind}-${randomUUID()}`;
        return { AlarmName: alarmName, AlarmARN: `arn:aws:cloudwatch:${region}:${ACCOUNT_ID}:alarm:${alarmName}` };
      });
      if (existing?.PolicyType === 'TargetTrackingScaling' && existing.Alarms.length === policy.Alarms.length) {
        policy.Alarms = existing.Alarms;
      }
    } else if (type === 'StepScaling') {
      const config = input.StepScalingPolicyConfiguration as Input | undefined;
      if (config === undefined) {
        throw validation('StepScalingPolicyConfiguration is required for a policy of type StepScaling.');
      }
      if (input.TargetTrackingScalingPolicyConfiguration !== undefined) {
        throw validation('TargetTrackingScalingPolicyConfiguration applies to TargetTrackingScaling policies only.');
      }
      policy.StepScalingPolicyConfiguration = config;
      // A step scaling policy acts on alarms the user creates and points at it; it has none of its own.
      policy.Alarms = existing?.Alarms ?? [];
    } else {
      throw validation(`Policy type ${type} is not supported for service namespace ${NAMESPACE}.`);
    }
    if (existing) Object.assign(existing, policy);
    else state.policies.push(policy);
    await this.save(region);
    return { PolicyARN: policy.PolicyARN, Alarms: policy.Alarms };
  }

  private targetTrackingConfig(config: Input | undefined, dimension: string): Input {
    if (config === undefined) {
      throw validation(
        'TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling.',
      );
    }
    const predefined = config.PredefinedMetricSpecification as Input | undefined;
    const custom = config.CustomizedMetricSpecification as Input | undefined;
    if ((predefined === undefined) === (custom === undefined)) {
      throw validation(
        'Exactly one of PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.',
      );
    }
    const metric = METRIC_OF[dimension] as string;
    if (predefined !== undefined && predefined.PredefinedMetricType !== metric) {
      throw validation(
        `Predefined metric ${String(predefined.PredefinedMetricType)} is not valid for scalable dimension ${dimension}: expected ${metric}.`,
      );
    }
    if (custom !== undefined && dimension === COPY_COUNT) {
      throw notEmulated(
        `A customized metric for an inference component's copy count (the emulator tracks ${INVOCATIONS_PER_COPY}, which it records itself) is`,
      );
    }
    if (custom !== undefined) {
      if (custom.Metrics !== undefined) {
        throw validation(
          'Metric math (CustomizedMetricSpecification.Metrics) is not emulated by the smwf local emulator.',
        );
      }
      for (const member of ['MetricName', 'Namespace', 'Statistic']) {
        if (custom[member] === undefined) {
          throw validation(`CustomizedMetricSpecification.${member} is required when Metrics is not specified.`);
        }
      }
    }
    const target = config.TargetValue as number;
    if (!(Math.abs(target) <= 2 ** 360)) throw validation('TargetValue must be between -2^360 and 2^360.');
    for (const cooldown of ['ScaleInCooldown', 'ScaleOutCooldown']) {
      if (typeof config[cooldown] === 'number' && (config[cooldown] as number) < 0) {
        throw validation(`${cooldown} must be 0 or more.`);
      }
    }
    return config;
  }

  private async deletePolicy(region: string, input: Input): Promise<unknown> {
    const state = this.state(region);
    const match = (p: ScalingPolicy) => p.ResourceId === input.ResourceId && p.PolicyName === input.PolicyName;
    if (!state.policies.some(match)) {
      throw new ServiceError(
        'ObjectNotFoundException',
        `No scaling policy found for service namespace: ${NAMESPACE}, resource ID: ${String(input.ResourceId)}, scalable dimension: ${String(input.ScalableDimension)}, policy name: ${String(input.PolicyName)}`,
      );
    }
    state.policies = state.policies.filter((p) => !match(p));
    await this.save(region);
    return {};
  }

  private describePolicies(region: string, input: Input): unknown {
    const names = input.PolicyNames as string[] | undefined;
    const policies = this.state(region).policies.filter(
      (p) =>
        (input.ResourceId === undefined || p.ResourceId === input.ResourceId) &&
        (names === undefined || names.length === 0 || names.includes(p.PolicyName)),
    );
    const { page, next } = this.page(policies, input, 10);
    return { ScalingPolicies: page, ...(next ? { NextToken: next } : {}) };
  }

  // --- helpers ---

  /** The component an `inference-component/<name>` resource id names, when copy counts are emulated. */
  private requireComponent(region: string, resourceId: string) {
    const name = COMPONENT_RESOURCE_ID.exec(resourceId)?.[1];
    if (name === undefined) {
      throw validation(
        `Unsupported resource ID ${resourceId} for scalable dimension ${COPY_COUNT}: an inference component is inference-component/<inference-component-name>.`,
      );
    }
    if (this.copyScaling === undefined) {
      throw notEmulated(`Scaling inference component copy counts (${COPY_COUNT}) in this emulator is`);
    }
    const component = this.sagemaker.inferenceComponents.get(region, name);
    if (!component) throw validation(`The inference component ${name} does not exist.`);
    return component;
  }

  /** The endpoint of an instance variant whose count can scale, as `resourceId` names it. */
  private requireScalableVariant(region: string, resourceId: string, dimension: string): EndpointRecord {
    const { endpoint, variant } = this.requireVariant(region, resourceId, dimension);
    if (IN_PROGRESS.has(endpoint.EndpointStatus)) {
      throw validation(
        `Endpoint ${endpoint.EndpointName} is ${endpoint.EndpointStatus}: a variant is registered as a scalable target once its endpoint is InService.`,
      );
    }
    if (variant.ServerlessConfig !== undefined) {
      throw validation(
        `Variant ${String(variant.VariantName)} of endpoint ${endpoint.EndpointName} is serverless: its instance count (${INSTANCE_COUNT}) cannot be scaled.`,
      );
    }
    return endpoint;
  }

  private requireVariant(region: string, resourceId: string, dimension: string) {
    const match = RESOURCE_ID.exec(resourceId);
    if (!match) {
      throw validation(
        `Unsupported resource ID ${resourceId} for scalable dimension ${dimension}: a SageMaker variant is endpoint/<endpoint-name>/variant/<variant-name>.`,
      );
    }
    const [, endpointName, variantName] = match as unknown as [string, string, string];
    const endpoint = this.sagemaker.endpoints.get(region, endpointName);
    if (!endpoint) throw validation(`The endpoint ${endpointName} does not exist.`);
    const config = this.sagemaker.endpointConfigs.get(region, endpoint.EndpointConfigName);
    const variant = config?.ProductionVariants.find((v) => v.VariantName === variantName);
    if (!variant) throw validation(`The variant ${variantName} does not exist on endpoint ${endpointName}.`);
    return { endpoint, variant };
  }

  private targetsOf(region: string, endpointName: string): ScalableTarget[] {
    return this.state(region).targets.filter(
      (t) => RESOURCE_ID.exec(t.ResourceId)?.[1]?.toLowerCase() === endpointName.toLowerCase(),
    );
  }

  private page<T>(items: T[], input: Input, limit: number): { page: T[]; next?: string } {
    const { offset, maxResults } = pageOf(input, limit);
    if (maxResults < 1 || maxResults > limit) throw validation(`MaxResults must be between 1 and ${limit}.`);
    const page = items.slice(offset, offset + maxResults);
    return offset + maxResults < items.length ? { page, next: nextToken(offset + maxResults) } : { page };
  }

  private state(region: string): RegionState {
    let state = this.regions.get(region);
    if (!state) {
      state = { targets: [], policies: [] };
      this.regions.set(region, state);
    }
    return state;
  }

  /** Writes one region's registrations; writes run one after another so the file ends with the latest state. */
  private save(region: string): Promise<void> {
    const root = this.root;
    if (root === undefined) return Promise.resolve();
    const write = () => writeJsonAtomic(join(root, `${region}.json`), this.state(region));
    this.writes = this.writes.then(write, write);
    return this.writes;
  }
}
