/**
 * The local trigger engine: runs the synthesized stack's EventBridge rules and EventBridge Scheduler schedules
 * against the emulator. Events the emulator logs, and the local runner's execution status changes (on the default
 * bus, as Step Functions sends them), are matched against each enabled rule of their bus, transformed
 * as the target's input settings say and delivered: a state machine target starts the workflow in the local
 * runner; a Lambda target runs the function's handler in-process. Schedules fire on a clock (real, or driven by
 * tests) and start their state machine with Scheduler's context attributes substituted. Deliveries that fail are
 * retried per the target's RetryPolicy, then written to `triggers/dead-letters.jsonl` in the state directory.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorEvent } from '../emulator/events.ts';
import { readJsonLines } from '../emulator/fs-util.ts';
import type { LocalRunner } from '../runner/runner.ts';
import type { SynthesizedRule, SynthesizedRuleTarget, SynthesizedSchedule } from '../runner/synthesize.ts';
import { type Clock, RealClock } from './clock.ts';
import { type EventPattern, InvalidEventPatternError, parseEventPattern } from './event-pattern.ts';
import { ruleTargetInput, schedulerTargetInput, validateRuleTargetInput } from './input-transform.ts';
import {
  flexibleInvocationTime,
  InvalidScheduleError,
  parseScheduleExpression,
  type ScheduleExpression,
} from './schedule-expression.ts';
import {
  LocalExecutions,
  type StepFunctionsApi,
  StepFunctionsError,
  startStepFunctionsApi,
} from './step-functions-api.ts';

/** Raised when the stack has a rule or schedule the engine cannot run faithfully; names it and why. */
export class UnsupportedTriggerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTriggerError';
  }
}

/** One delivery to a target, as the engine reports it. */
export interface Delivery {
  readonly trigger: 'rule' | 'schedule';
  /** The rule's or schedule's name. */
  readonly name: string;
  readonly targetArn: string;
  readonly outcome: 'delivered' | 'dead-letter';
  readonly attempts: number;
  /** For a state machine target: the execution started (or the existing one with that name and input). */
  readonly executionArn?: string;
  /** For a schedule: the time it was due. */
  readonly scheduledTime?: string;
  /** For a rule: the id of the event delivered. */
  readonly eventId?: string;
  readonly error?: string;
}

/** One line of the dead-letter file. */
interface DeadLetter {
  readonly time: string;
  readonly trigger: 'rule' | 'schedule';
  readonly name: string;
  readonly targetArn: string;
  /** The queue the target names, or null when it has none (on AWS such a delivery would be dropped). */
  readonly deadLetterQueueArn: string | null;
  readonly attempts: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly input: string;
}

/** Options of the engine. */
interface TriggerEngineOptions {
  readonly runner: LocalRunner;
  /** Where `triggers/dead-letters.jsonl` goes (the emulator's state directory). */
  readonly stateDir: string;
  /** The clock schedules fire on. @default - the machine's clock */
  readonly clock?: Clock;
  /** Subscribes to the emulator's events (Emulator.onEvents). @default - rules see no events */
  readonly subscribe?: (listener: (events: readonly EmulatorEvent[]) => void) => () => void;
  /** Called with every delivery. */
  readonly onDelivery?: (delivery: Delivery) => void;
  /** Port of the local Step Functions API. @default 0 (a free port) */
  readonly stepFunctionsPort?: number;
  /**
   * Which of the stack's triggers run: every enabled rule and schedule (`smwf local start`), or only the rules whose
   * every target is the CompleteWait function and no schedule (`'wait-callbacks'`): what a single local execution
   * needs for its waits to end on SageMaker's events, with no other trigger starting anything. @default 'all'
   */
  readonly triggers?: 'all' | 'wait-callbacks';
}

/**
 * How long a waiting task's heartbeat (HeartbeatSeconds) really lasts in a local run whose waits end on the emulator's
 * events, routed to CompleteWait by the engine: how late a wait whose event was lost falls back to its poll.
 */
export const EVENT_WAIT_HEARTBEAT_MS = 5000;

/** Whether every target of `rule` is the stack's CompleteWait function: one of the event-driven waits' rules. */
function completesWaits(rule: SynthesizedRule, runner: LocalRunner): boolean {
  return (
    rule.targets.length > 0 &&
    rule.targets.every((target) => runner.workflows.functions.get(target.Arn)?.task === 'CompleteWait')
  );
}

interface LoadedRule {
  readonly rule: SynthesizedRule;
  readonly pattern: EventPattern;
}

interface LoadedSchedule {
  readonly schedule: SynthesizedSchedule;
  readonly expression: ScheduleExpression;
  readonly windowMinutes: number;
  readonly startDate?: Date;
  readonly endDate?: Date;
}

const RULE_TARGET_KEYS = new Set([
  'Id',
  'Arn',
  'RoleArn',
  'Input',
  'InputPath',
  'InputTransformer',
  'RetryPolicy',
  'DeadLetterConfig',
]);
const SCHEDULE_TARGET_KEYS = new Set(['Arn', 'RoleArn', 'Input', 'RetryPolicy', 'DeadLetterConfig']);
/** EventBridge's and Scheduler's default retry policy: 185 retries within 24 hours. */
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Lambda's default for asynchronous invocations: two retries after the first attempt. */
const LAMBDA_ASYNC_RETRIES = 2;
/** Errors a retry cannot fix; EventBridge sends such a delivery to the dead-letter queue at once. */
const NOT_RETRYABLE = new Set([
  'StateMachineDoesNotExist',
  'InvalidExecutionInput',
  'InvalidName',
  'ExecutionAlreadyExists',
  'ValidationException',
  'LambdaAsyncInvocationFailed',
]);

/** A Lambda target's handler failed on every attempt Lambda makes for an asynchronous invocation. */
class LambdaAsyncInvocationFailed extends Error {
  constructor(functionArn: string, cause: unknown) {
    super(
      `${functionArn} failed ${LAMBDA_ASYNC_RETRIES + 1} times: ${(cause as Error).name}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
    this.name = 'LambdaAsyncInvocationFailed';
  }
}

function targetKind(arn: string): 'state-machine' | 'lambda' | undefined {
  if (/^arn:aws[a-z-]*:states:[^:]+:\d+:stateMachine:/.test(arn)) return 'state-machine';
  if (/^arn:aws[a-z-]*:lambda:[^:]+:\d+:function:/.test(arn)) return 'lambda';
  return undefined;
}

function checkTarget(where: string, target: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  const extra = Object.keys(target).filter((key) => !allowed.has(key));
  if (extra.length > 0) {
    throw new UnsupportedTriggerError(`${where}: target settings ${extra.join(', ')} are not emulated`);
  }
  const arn = String(target.Arn);
  if (targetKind(arn) === undefined) {
    throw new UnsupportedTriggerError(
      `${where}: target ${arn} is not emulated (state machines and Lambda functions are)`,
    );
  }
}

function loadRule(rule: SynthesizedRule, runner: LocalRunner): LoadedRule | undefined {
  const where = `Rule ${rule.name}`;
  if (rule.scheduleExpression !== undefined) {
    throw new UnsupportedTriggerError(
      `${where}: scheduled rules are not emulated (use an EventBridge Scheduler schedule)`,
    );
  }
  if (rule.eventPattern === undefined) throw new UnsupportedTriggerError(`${where}: has no EventPattern`);
  let pattern: EventPattern;
  try {
    pattern = parseEventPattern(rule.eventPattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) throw new InvalidEventPatternError(`${where}: ${error.message}`);
    throw error;
  }
  for (const target of rule.targets) {
    checkTarget(`${where} target ${target.Id}`, target, RULE_TARGET_KEYS);
    validateRuleTargetInput(target, `${where} target ${target.Id}`);
    if (targetKind(target.Arn) === 'lambda' && !runner.workflows.functions.has(target.Arn)) {
      throw new UnsupportedTriggerError(
        `${where} target ${target.Id}: ${target.Arn} is not a project function (no code tag)`,
      );
    }
  }
  return rule.state === 'ENABLED' ? { rule, pattern } : undefined;
}

function loadSchedule(schedule: SynthesizedSchedule, anchor: Date): LoadedSchedule | undefined {
  const where = `Schedule ${schedule.name}`;
  checkTarget(where, schedule.target, SCHEDULE_TARGET_KEYS);
  if (targetKind(schedule.target.Arn) !== 'state-machine') {
    throw new UnsupportedTriggerError(`${where}: only state machine targets are emulated for schedules`);
  }
  const window = schedule.flexibleTimeWindow;
  let windowMinutes = 0;
  if (window.Mode === 'FLEXIBLE') {
    windowMinutes = Number(window.MaximumWindowInMinutes);
    if (!Number.isInteger(windowMinutes) || windowMinutes < 1 || windowMinutes > 1440) {
      throw new InvalidScheduleError(`${where}: FlexibleTimeWindow.MaximumWindowInMinutes must be 1-1440`);
    }
  } else if (window.Mode !== 'OFF') {
    throw new InvalidScheduleError(`${where}: FlexibleTimeWindow.Mode must be OFF or FLEXIBLE`);
  }
  const startDate = schedule.startDate !== undefined ? new Date(schedule.startDate) : undefined;
  const endDate = schedule.endDate !== undefined ? new Date(schedule.endDate) : undefined;
  let expression: ScheduleExpression;
  try {
    expression = parseScheduleExpression(schedule.expression, {
      timeZone: schedule.timeZone,
      anchor: startDate ?? anchor,
    });
  } catch (error) {
    if (error instanceof InvalidScheduleError) throw new InvalidScheduleError(`${where}: ${error.message}`);
    throw error;
  }
  if (schedule.state !== 'ENABLED') return undefined;
  return {
    schedule,
    expression,
    windowMinutes,
    ...(startDate ? { startDate } : {}),
    ...(endDate ? { endDate } : {}),
  };
}

/** The execution id Scheduler passes for one scheduled time: the same for every delivery of that time. */
function schedulerExecutionId(scheduleArn: string, scheduledTime: Date): string {
  const hex = createHash('sha256').update(`${scheduleArn}\0${scheduledTime.toISOString()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function errorCode(error: unknown): string {
  return error instanceof StepFunctionsError ? error.code : (error as Error).name || 'Error';
}

/** A running trigger engine. */
export class TriggerEngine {
  readonly executions: LocalExecutions;
  readonly deadLetterFile: string;
  /** Every delivery made, oldest first. */
  readonly deliveries: Delivery[] = [];
  private readonly clock: Clock;
  private readonly rules: LoadedRule[] = [];
  private readonly schedules: LoadedSchedule[] = [];
  private readonly cancels: (() => void)[] = [];
  private queue: Promise<void> = Promise.resolve();
  private api?: StepFunctionsApi;

  private constructor(private readonly options: TriggerEngineOptions) {
    this.clock = options.clock ?? new RealClock();
    this.executions = new LocalExecutions(options.runner);
    this.deadLetterFile = join(options.stateDir, 'triggers', 'dead-letters.jsonl');
  }

  /**
   * Loads and checks every rule and schedule of the synthesized stack (a pattern, expression or target the engine
   * cannot run faithfully is refused, naming it), starts the local Step Functions API and points handlers at it
   * (`AWS_ENDPOINT_URL_SFN`), subscribes to the emulator's events and arms the schedules.
   */
  static async start(options: TriggerEngineOptions): Promise<TriggerEngine> {
    const engine = new TriggerEngine(options);
    const { workflows } = options.runner;
    const waitCallbacksOnly = options.triggers === 'wait-callbacks';
    for (const rule of workflows.rules) {
      if (waitCallbacksOnly && !completesWaits(rule, options.runner)) continue;
      const loaded = loadRule(rule, options.runner);
      if (loaded) engine.rules.push(loaded);
    }
    const now = engine.clock.now();
    for (const schedule of waitCallbacksOnly ? [] : workflows.schedules) {
      const loaded = loadSchedule(schedule, now);
      if (loaded) engine.schedules.push(loaded);
    }
    await mkdir(join(options.stateDir, 'triggers'), { recursive: true });
    engine.api = await startStepFunctionsApi(engine.executions, options.stepFunctionsPort ?? 0);
    process.env.AWS_ENDPOINT_URL_SFN = engine.api.url;
    if (options.subscribe) {
      engine.cancels.push(options.subscribe((events) => engine.receive(events)));
    }
    // Step Functions sends its executions' status changes to the account's default bus.
    engine.cancels.push(
      options.runner.onExecutionStatusChange((event) => {
        void engine.receive([{ ...event, resources: [...event.resources], eventBusName: 'default' }]);
      }),
    );
    for (const schedule of engine.schedules) engine.arm(schedule, now);
    return engine;
  }

  /** The enabled rules and schedules the engine runs. */
  get loaded(): { rules: readonly SynthesizedRule[]; schedules: readonly SynthesizedSchedule[] } {
    return { rules: this.rules.map((r) => r.rule), schedules: this.schedules.map((s) => s.schedule) };
  }

  /** URL of the local Step Functions API. */
  get stepFunctionsUrl(): string {
    return this.api?.url ?? '';
  }

  /** Hands events to the engine as if the bus received them now (what the emulator subscription does). */
  receive(events: readonly EmulatorEvent[]): Promise<void> {
    const ingestion = this.clock.now();
    for (const logged of events) {
      const { eventBusName, ...event } = logged;
      for (const { rule, pattern } of this.rules) {
        if (rule.eventBusName !== eventBusName || !pattern.matches(event)) continue;
        for (const target of rule.targets) {
          this.enqueue(() => this.deliverRuleEvent(rule, target, event, ingestion));
        }
      }
    }
    return this.idle();
  }

  /** Settles once every delivery queued so far has been made (not once the executions end). */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Delivers a schedule's run for `scheduledTime` again, as Scheduler's at-least-once delivery may: the same
   * scheduled time and execution id.
   */
  redeliverSchedule(name: string, scheduledTime: Date | string): Promise<Delivery> {
    const loaded = this.schedules.find((s) => s.schedule.name === name || s.schedule.logicalId === name);
    if (!loaded) throw new Error(`No enabled schedule ${name}`);
    return this.deliverSchedule(loaded, new Date(scheduledTime));
  }

  /** The dead-letter file's records, oldest first. */
  async deadLetters(): Promise<DeadLetter[]> {
    await this.idle();
    return readJsonLines<DeadLetter>(this.deadLetterFile);
  }

  /** Stops the schedules, the subscription and the local Step Functions API (running executions go on). */
  async stop(): Promise<void> {
    for (const cancel of this.cancels.splice(0)) cancel();
    await this.idle();
    await this.api?.stop();
    if (process.env.AWS_ENDPOINT_URL_SFN === this.api?.url) delete process.env.AWS_ENDPOINT_URL_SFN;
  }

  private enqueue(work: () => Promise<unknown>): void {
    this.queue = this.queue.then(work).then(
      () => undefined,
      () => undefined,
    );
  }

  private arm(loaded: LoadedSchedule, after: Date): void {
    const { startDate, endDate, expression, schedule, windowMinutes } = loaded;
    // The first run is at or after StartDate.
    const from = startDate && startDate > after ? new Date(startDate.getTime() - 1) : after;
    const scheduled = expression.next(from);
    if (scheduled === undefined || (endDate && scheduled > endDate)) return;
    const invokeAt = flexibleInvocationTime(schedule.name, scheduled, windowMinutes);
    const cancel = this.clock.setTimer(invokeAt, async () => {
      this.cancels.splice(this.cancels.indexOf(cancel), 1);
      this.arm(loaded, scheduled);
      await this.deliverSchedule(loaded, scheduled);
    });
    this.cancels.push(cancel);
  }

  private deliverSchedule(loaded: LoadedSchedule, scheduledTime: Date): Promise<Delivery> {
    const { schedule } = loaded;
    const target = schedule.target;
    const executionId = schedulerExecutionId(schedule.arn, scheduledTime);
    let input = '';
    return this.withRetries(
      { trigger: 'schedule', name: schedule.name, targetArn: target.Arn, scheduledTime: scheduledTime.toISOString() },
      target.RetryPolicy,
      this.clock.now(),
      target.DeadLetterConfig?.Arn,
      () => input,
      (attemptNumber) => {
        input = schedulerTargetInput(target.Input ?? '{}', {
          scheduleArn: schedule.arn,
          scheduledTime,
          executionId,
          attemptNumber,
        });
        return this.executions.start(target.Arn, input).executionArn;
      },
    );
  }

  private deliverRuleEvent(
    rule: SynthesizedRule,
    target: SynthesizedRuleTarget,
    event: Record<string, unknown>,
    ingestion: Date,
  ): Promise<Delivery> {
    const base = { trigger: 'rule' as const, name: rule.name, targetArn: target.Arn, eventId: String(event.id) };
    let input = '';
    return this.withRetries(
      base,
      target.RetryPolicy,
      ingestion,
      target.DeadLetterConfig?.Arn,
      () => input,
      async () => {
        input = ruleTargetInput(target, event, rule, ingestion);
        if (targetKind(target.Arn) === 'state-machine') return this.executions.start(target.Arn, input).executionArn;
        await this.invokeAsync(target.Arn, input);
        return undefined;
      },
    );
  }

  /** Lambda's asynchronous invocation: the handler runs, and a failure is retried twice, as Lambda does. */
  private async invokeAsync(functionArn: string, input: string): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(input);
    } catch {
      payload = input;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt <= LAMBDA_ASYNC_RETRIES; attempt += 1) {
      try {
        await this.options.runner.invokeFunction(functionArn, payload);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw new LambdaAsyncInvocationFailed(functionArn, lastError);
  }

  /**
   * Makes attempts until one succeeds, an error a retry cannot fix, `MaximumRetryAttempts` retries, or the event is
   * older than `MaximumEventAgeInSeconds` (counted from `since`: the event's ingestion, or when a schedule's run
   * began), then dead-letters it.
   */
  private async withRetries(
    base: Omit<Delivery, 'outcome' | 'attempts'>,
    retryPolicy: SynthesizedRuleTarget['RetryPolicy'],
    since: Date,
    deadLetterQueueArn: string | undefined,
    inputOf: () => string,
    attempt: (attemptNumber: number) => Promise<string | undefined> | string | undefined,
  ): Promise<Delivery> {
    const maxRetries = retryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxAgeMs = (retryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    let attempts = 0;
    let failure: unknown;
    while (attempts <= maxRetries) {
      if (attempts > 0 && this.clock.now().getTime() - since.getTime() > maxAgeMs) break;
      attempts += 1;
      try {
        const executionArn = await attempt(attempts);
        return this.report({ ...base, outcome: 'delivered', attempts, ...(executionArn ? { executionArn } : {}) });
      } catch (error) {
        failure = error;
        if (NOT_RETRYABLE.has(errorCode(error))) break;
      }
    }
    const letter: DeadLetter = {
      time: this.clock.now().toISOString(),
      trigger: base.trigger,
      name: base.name,
      targetArn: base.targetArn,
      // A function that failed is Lambda's to dead-letter (its own on-failure destination), not the rule's.
      deadLetterQueueArn: failure instanceof LambdaAsyncInvocationFailed ? null : (deadLetterQueueArn ?? null),
      attempts,
      errorCode: errorCode(failure),
      errorMessage: (failure as Error).message,
      input: inputOf(),
    };
    await appendFile(this.deadLetterFile, `${JSON.stringify(letter)}\n`);
    return this.report({
      ...base,
      outcome: 'dead-letter',
      attempts,
      error: `${letter.errorCode}: ${letter.errorMessage}`,
    });
  }

  private report(delivery: Delivery): Delivery {
    this.deliveries.push(delivery);
    this.options.onDelivery?.(delivery);
    return delivery;
  }
}
