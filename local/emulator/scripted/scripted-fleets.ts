/**
 * Fleets without processes, for the in-process doubles: a deployment "comes up" after the script's provisioning
 * time on the double's clock (or when a test settles it), or fails its ping health check when its config is one the
 * script marks failing; invocations get the script's answer. What happens around them (statuses, silent rollback,
 * events, routing, the runtime's errors) is the emulator's own lifecycle and runtime.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CopySpec } from '../hosting/component-copies.ts';
import type { ContainerRequest } from '../hosting/container.ts';
import {
  type DeploymentSpec,
  FleetStartError,
  pickVariant,
  startFailureReason,
  type VariantDeploySpec,
} from '../hosting/fleet.ts';
import { downloadTargetModel } from '../hosting/multi-model.ts';
import type { StageAnswer } from '../hosting/pipeline.ts';
import type { ServingFleet, ServingVariant } from '../runtime.ts';
import type { FleetLauncher, HostedFleet } from '../sagemaker/lifecycle.ts';
import type { ManualClock } from './manual-clock.ts';
import type { ScriptedObjects } from './scripted-objects.ts';

/** What a model answers an invocation in the script. */
interface ScriptedAnswer {
  status: number;
  body: string;
  /** @default application/json */
  contentType?: string;
}

/** How scripted fleets behave; change it at any time, it is read when a transition starts. */
export interface FleetScript {
  /** How long Creating and Updating last, in seconds of the double's clock; Infinity: until the test settles them. */
  provisioningSeconds: number;
  /** How long Deleting lasts, in seconds of the double's clock. */
  deletingSeconds: number;
  /** Deployments of these endpoint configs fail their ping health check (a create ends Failed, an update rolls back). */
  failingConfigs: Set<string>;
  /**
   * What a model answers an invocation: `headers` are those the container gets (content-type, accept, and a
   * multi-model container's x-amzn-sagemaker-target-model). @default 200 with the model's name
   */
  answers: (modelName: string, body: string, headers: Readonly<Record<string, string>>) => ScriptedAnswer;
  /**
   * Inference component copies of which specifications fail their ping health check (a create ends Failed, a
   * rolling update rolls back). @default the example containers' exit-at-start fault in the copy's environment
   */
  failingCopies?: (spec: CopySpec) => boolean;
}

/** One invocation a scripted model answered. */
export interface ScriptedInvocation {
  endpoint: string;
  model: string;
  /** The inference component whose copy answered, for an invocation of one. */
  component?: string;
}

/** A variant of a scripted fleet: its model answers with the script's answer. */
class ScriptedVariant implements ServingVariant {
  readonly hostnames: readonly string[];
  /** The TargetModels this variant's instances have downloaded (a multi-model container's cache). */
  private readonly loaded = new Map<string, Promise<void>>();

  constructor(
    readonly spec: VariantDeploySpec,
    private readonly endpointName: string,
    private readonly fleets: ScriptedFleets,
  ) {
    this.hostnames = spec.containers.map((c) => c.hostname);
  }

  get multiModel(): boolean {
    return this.spec.containers[0]?.mode === 'MultiModel';
  }

  /** A scripted variant runs no processes; its instances are the config's count. */
  get instanceCount(): number {
    return Math.max(1, this.spec.instanceCount);
  }

  async invoke(
    request: ContainerRequest,
    _timeoutMs: number,
    targetHostname: string | undefined,
    targetModel?: string,
  ): Promise<StageAnswer> {
    let headers = request.headers;
    if (this.multiModel && targetModel !== undefined) {
      // The instance downloads the TargetModel first, as the emulator's multi-model container does (a missing
      // artifact is SageMaker's ValidationError); a model it has is served from its cache.
      this.loaded.set(targetModel, this.loaded.get(targetModel) ?? this.fleets.loadTargetModel(this.spec, targetModel));
      try {
        await this.loaded.get(targetModel);
      } catch (error) {
        this.loaded.delete(targetModel);
        throw error;
      }
      headers = { ...headers, 'x-amzn-sagemaker-target-model': targetModel };
    }
    const answer = this.fleets.answer(this.endpointName, this.spec.modelName, request.body.toString('utf8'), headers);
    return {
      container: targetHostname ?? this.hostnames[0] ?? 'primary',
      response: {
        status: answer.status,
        headers: { 'content-type': answer.contentType ?? 'application/json' },
        body: Buffer.from(answer.body),
      },
    };
  }
}

/** A deployment's scripted fleet: serves through its variants, stops after the script's deletion time. */
export class ScriptedFleet implements HostedFleet, ServingFleet {
  readonly variants: ScriptedVariant[];

  constructor(
    readonly spec: DeploymentSpec,
    fleets: ScriptedFleets,
    private readonly stopping: () => Promise<void>,
  ) {
    this.variants = spec.variants.map((v) => new ScriptedVariant(v, spec.endpointName, fleets));
  }

  pickVariant(targetVariant: string | undefined, random: () => number): ScriptedVariant | undefined {
    return pickVariant(this.variants, targetVariant, random);
  }

  acquire(): () => void {
    return () => undefined;
  }

  async drain(): Promise<void> {}

  stop(): Promise<void> {
    return this.stopping();
  }
}

/** A fleet on its way up: it comes up (or fails) when its time comes or a test settles it. */
interface Provisioning {
  endpointKey: string;
  finish: (failureReason: string | undefined) => void;
  failureReason: () => string | undefined;
}

const endpointKey = (region: string, name: string) => `${region}/${name.toLowerCase()}`;

/** SageMaker's FailureReason for a deployment whose first variant never passed /ping. */
function pingFailure(spec: DeploymentSpec): string {
  const variant = spec.variants[0];
  return startFailureReason(variant?.variantName ?? 'AllTraffic', [
    { hostname: variant?.containers[0]?.hostname ?? 'primary', reason: 'did not pass the ping health check' },
  ]);
}

/** The launcher of scripted fleets, on the double's clock. */
export class ScriptedFleets implements FleetLauncher<ScriptedFleet> {
  readonly invocations: ScriptedInvocation[] = [];
  private readonly provisioning = new Set<Provisioning>();
  /** The next transition of an endpoint takes this long instead of the script's time (a forced state's). */
  private readonly nextSeconds = new Map<string, number>();

  constructor(
    private readonly clock: ManualClock,
    private readonly script: FleetScript,
    /** The S3 objects model data is read from. */
    private readonly objects: ScriptedObjects,
  ) {}

  /** Downloads a multi-model variant's TargetModel from the S3 objects (TargetModelError when it cannot). */
  async loadTargetModel(spec: VariantDeploySpec, targetModel: string): Promise<void> {
    const container = spec.containers[0];
    const dir = join(await this.objects.folder('multi-model'), randomUUID(), 'model');
    await downloadTargetModel(
      this.objects.store,
      { prefix: container?.modelData?.s3Uri ?? '', hostname: container?.hostname ?? 'primary' },
      targetModel,
      dir,
    );
  }

  start(spec: DeploymentSpec, signal: AbortSignal): Promise<ScriptedFleet> {
    const key = endpointKey(spec.region, spec.endpointName);
    const seconds = this.takeSeconds(key) ?? this.script.provisioningSeconds;
    return new Promise<ScriptedFleet>((resolve, reject) => {
      const provisioning: Provisioning = {
        endpointKey: key,
        failureReason: () => (this.script.failingConfigs.has(spec.endpointConfigName) ? pingFailure(spec) : undefined),
        finish: (failureReason) => {
          if (!this.provisioning.delete(provisioning)) return;
          if (signal.aborted) reject(new Error(`the deployment of ${spec.endpointName} was cancelled`));
          else if (failureReason !== undefined) reject(new FleetStartError(failureReason));
          else resolve(this.running(spec));
        },
      };
      this.provisioning.add(provisioning);
      signal.addEventListener('abort', () => provisioning.finish(undefined));
      void this.clock.sleep(seconds * 1000, signal).then(() => provisioning.finish(provisioning.failureReason()));
    });
  }

  /** A fleet serving `spec` already; it stops after `stopSeconds` (by default the script's deletion time). */
  running(spec: DeploymentSpec, stopSeconds?: number): ScriptedFleet {
    return new ScriptedFleet(spec, this, () => this.clock.sleep((stopSeconds ?? this.script.deletingSeconds) * 1000));
  }

  /** Ends the provisioning of the endpoint's fleets now: they come up, or fail with `failureReason`. */
  settle(region: string, endpointName: string, failureReason?: string): void {
    const key = endpointKey(region, endpointName);
    for (const provisioning of [...this.provisioning]) {
      if (provisioning.endpointKey === key) provisioning.finish(failureReason);
    }
  }

  /** The endpoint's next transition takes `seconds` instead of the script's time. */
  nextTransitionTakes(region: string, endpointName: string, seconds: number): void {
    this.nextSeconds.set(endpointKey(region, endpointName), seconds);
  }

  /** The script's answer to an invocation, recorded. */
  answer(endpoint: string, model: string, body: string, headers: Readonly<Record<string, string>>): ScriptedAnswer {
    this.invocations.push({ endpoint, model });
    return this.script.answers(model, body, headers);
  }

  private takeSeconds(key: string): number | undefined {
    const seconds = this.nextSeconds.get(key);
    this.nextSeconds.delete(key);
    return seconds;
  }
}
