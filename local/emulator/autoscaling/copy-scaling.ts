/**
 * Target tracking of inference components' copy counts, acted on for real: the runtime records every invocation of
 * a component (its invocations per copy, SageMaker's InvocationsPerCopy: 1/copies per invocation), and once a
 * minute the Application Auto Scaling API asks `trackTarget` what each target-tracking policy wants and changes the
 * component's copy count through UpdateInferenceComponentRuntimeConfig. The alarms' settings are not documented by
 * AWS; the emulator uses what users see of Application Auto Scaling's alarms for SageMaker (local/emulator/README.md,
 * "Inference component copy counts").
 */

/** Application Auto Scaling's predefined metric of an inference component (API reference, PredefinedMetricSpecification). */
export const INVOCATIONS_PER_COPY = 'SageMakerInferenceComponentInvocationsPerCopy';

/** One datapoint a minute, as SageMaker publishes its invocation metrics. */
export const MINUTE_MS = 60_000;

/** The high alarm: this many consecutive minutes above the target scale out. */
export const SCALE_OUT_DATAPOINTS = 3;
/** The low alarm: this many consecutive minutes below SCALE_IN_RATIO x the target scale in. */
export const SCALE_IN_DATAPOINTS = 15;
export const SCALE_IN_RATIO = 0.9;
/**
 * The cooldowns, scale in and scale out, when a policy gives none: 300 s, what the API reference
 * (TargetTrackingScalingPolicyConfiguration) gives SageMaker endpoint variants; it does not name inference components.
 */
export const DEFAULT_COOLDOWN_SECONDS = 300;

/** Minutes of invocations kept per component: the low alarm's window and some. */
const KEPT_MINUTES = SCALE_IN_DATAPOINTS + 5;

/** Each component's invocations per copy, per minute (the InvocationsPerCopy Sum of that minute). */
export class CopyInvocations {
  private readonly byComponent = new Map<string, Map<number, number>>();

  /** One invocation sent to one of the `copies` copies of a component at `atMs`. */
  record(region: string, componentName: string, atMs: number, copies: number): void {
    const key = `${region}\u0000${componentName}`;
    let minutes = this.byComponent.get(key);
    if (!minutes) {
      minutes = new Map();
      this.byComponent.set(key, minutes);
    }
    const minute = Math.floor(atMs / MINUTE_MS);
    minutes.set(minute, (minutes.get(minute) ?? 0) + 1 / Math.max(1, copies));
    if (minutes.size > KEPT_MINUTES) {
      for (const m of minutes.keys()) if (m <= minute - KEPT_MINUTES) minutes.delete(m);
    }
  }

  /**
   * The `count` whole minutes before minute `endMinute` (epoch minutes), oldest first: each minute's invocations per
   * copy, or undefined for a minute without invocations (SageMaker publishes no datapoint then).
   */
  datapoints(region: string, componentName: string, endMinute: number, count: number): (number | undefined)[] {
    const minutes = this.byComponent.get(`${region}\u0000${componentName}`);
    const out: (number | undefined)[] = [];
    for (let m = endMinute - count; m < endMinute; m++) out.push(minutes?.get(m));
    return out;
  }

  /** Forgets a deleted component's invocations (a component created again under its name starts afresh). */
  forget(region: string, componentName: string): void {
    this.byComponent.delete(`${region}\u0000${componentName}`);
  }
}

/** A target-tracking policy's configuration, as PutScalingPolicy stored it. */
export interface TrackingConfiguration {
  TargetValue: number;
  DisableScaleIn?: boolean;
  ScaleInCooldown?: number;
  ScaleOutCooldown?: number;
}

/** What a policy decides on: the target's range and suspended directions, and when it last scaled. */
export interface TrackedTarget {
  current: number;
  min: number;
  max: number;
  scaleOutSuspended: boolean;
  scaleInSuspended: boolean;
  /** Epoch ms of the last scale-out and scale-in this emulator made (none since it started: undefined). */
  lastScaleOutMs?: number | undefined;
  lastScaleInMs?: number | undefined;
}

/**
 * The copy count one target-tracking policy asks for at `nowMs`, given the last SCALE_IN_DATAPOINTS minutes (oldest
 * first), or undefined when its alarms do not fire. Out: the last SCALE_OUT_DATAPOINTS minutes all above the target,
 * to ceil(current x latest / target) at most `max`, unless suspended or within the scale-out cooldown. In: the last
 * SCALE_IN_DATAPOINTS minutes all below SCALE_IN_RATIO x the target, to ceil(current x latest / target) at least
 * `min`, unless disabled, suspended or within the scale-in cooldown. A minute without data keeps an alarm from
 * firing, as CloudWatch's missing data does.
 */
export function trackTarget(
  policy: TrackingConfiguration,
  datapoints: readonly (number | undefined)[],
  target: TrackedTarget,
  nowMs: number,
): number | undefined {
  const latest = datapoints[datapoints.length - 1];
  if (latest === undefined) return undefined;
  const proportional = Math.ceil((target.current * latest) / policy.TargetValue);
  const recent = datapoints.slice(-SCALE_OUT_DATAPOINTS);
  const cooled = (last: number | undefined, seconds: number | undefined) =>
    last === undefined || nowMs - last >= (seconds ?? DEFAULT_COOLDOWN_SECONDS) * 1000;
  if (
    recent.length === SCALE_OUT_DATAPOINTS &&
    recent.every((v) => v !== undefined && v > policy.TargetValue) &&
    !target.scaleOutSuspended &&
    cooled(target.lastScaleOutMs, policy.ScaleOutCooldown)
  ) {
    const wanted = Math.min(target.max, proportional);
    return wanted > target.current ? wanted : undefined;
  }
  const window = datapoints.slice(-SCALE_IN_DATAPOINTS);
  if (
    window.length === SCALE_IN_DATAPOINTS &&
    window.every((v) => v !== undefined && v < SCALE_IN_RATIO * policy.TargetValue) &&
    policy.DisableScaleIn !== true &&
    !target.scaleInSuspended &&
    cooled(target.lastScaleInMs, policy.ScaleInCooldown)
  ) {
    const wanted = Math.max(target.min, proportional);
    return wanted < target.current ? wanted : undefined;
  }
  return undefined;
}
