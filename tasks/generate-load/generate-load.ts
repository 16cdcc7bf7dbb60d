/**
 * The load generator's core: one worker's users for one slice of one step. Users are closed-loop clients: each
 * keeps one request in flight and sends the next as soon as the answer arrives, with no think time. Every worker
 * of a step starts at the same moment (`startAt`), except the sole worker of a slice, which has none to wait for
 * and starts when it is started (its slice runs from then); a user added by a phase's spawn rate starts when the
 * pattern says. Only requests that complete within the slice count: the latency of each successful one goes into a
 * mergeable histogram, and every answer into the counts by status, error and throttling, per time window.
 */

import { type PatternStep, userStartSecond } from '../../contracts/load-pattern.ts';
import type { OutcomeCounts, TargetModelCounts, WindowCounts, WorkerResult } from '../../contracts/parts/load-test.ts';
import { LatencyHistogram } from '../_shared/latency-histogram.ts';
import type { Answer } from './http-sender.ts';

/** What one worker runs: its share of a step's users, in one slice of the step, within its share of the budget. */
export interface WorkerPlan {
  readonly step: PatternStep & { readonly index: number };
  readonly slice: {
    readonly index: number;
    /** Seconds from the step's start to the slice's. */
    readonly startSecond: number;
    readonly seconds: number;
    /** When every worker of the slice starts (epoch ms); the sole worker of a slice starts at once instead. */
    readonly startAt: number;
  };
  /** This worker runs the users u = index, index + of, index + 2 × of, ... of the step; `budget` requests at most. */
  readonly worker: { readonly index: number; readonly of: number; readonly budget: number };
  readonly windowSeconds: number;
}

/** What the core needs from the outside. */
interface GenerateLoadDeps<Request> {
  /** The next request to send (a sample and target drawn at random, signed). */
  next(): Request | Promise<Request>;
  /** Sends one request; never rejects. */
  send(request: Request): Promise<Answer>;
  /** The TargetModel a request invokes, counted apart. @default none */
  targetModelOf?(request: Request): string | undefined;
  /** Epoch milliseconds, with sub-millisecond precision. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** After a request that got no answer at all (connection refused, reset), a user waits this long before the next. */
const CLIENT_FAILURE_PAUSE_MS = 100;

function emptyCounts(): OutcomeCounts {
  return { requests: 0, succeeded: 0, throttled: 0, statuses: {}, errors: {} };
}

function count(counts: OutcomeCounts, answer: Answer): void {
  counts.requests += 1;
  const status = answer.status === undefined ? 'none' : String(answer.status);
  counts.statuses[status] = (counts.statuses[status] ?? 0) + 1;
  if (answer.error === undefined) counts.succeeded += 1;
  else counts.errors[answer.error] = (counts.errors[answer.error] ?? 0) + 1;
  if (answer.throttled) counts.throttled += 1;
}

/** The users of the step this worker runs in the slice, each with its delay from the slice's start (ms). */
export function workerUsers(plan: WorkerPlan): number[] {
  const delays: number[] = [];
  const sliceEnd = plan.slice.startSecond + plan.slice.seconds;
  for (let user = plan.worker.index; user < plan.step.users; user += plan.worker.of) {
    const start = userStartSecond(plan.step, user);
    if (start < sliceEnd) delays.push(Math.max(0, start - plan.slice.startSecond) * 1000);
  }
  return delays;
}

/** Runs one worker's slice and returns what it measured. */
export async function generateLoad<Request>(plan: WorkerPlan, deps: GenerateLoadDeps<Request>): Promise<WorkerResult> {
  const { seconds } = plan.slice;
  const startAt = plan.worker.of === 1 ? deps.now() : plan.slice.startAt;
  const endAt = startAt + seconds * 1000;
  const stepStart = startAt - plan.slice.startSecond * 1000;
  const windowMs = plan.windowSeconds * 1000;
  const histogram = new LatencyHistogram();
  const totals = emptyCounts();
  const windows = new Map<number, WindowCounts>();
  const byModel: TargetModelCounts = {};
  const users = workerUsers(plan);
  let sent = 0;

  const untilStart = startAt - deps.now();
  if (untilStart > 0) await deps.sleep(untilStart);
  const startedAt = deps.now();

  const runUser = async (delayMs: number) => {
    const begin = startAt + delayMs - deps.now();
    if (begin > 0) await deps.sleep(begin);
    while (sent < plan.worker.budget && deps.now() < endAt) {
      sent += 1;
      const request = await deps.next();
      const sentAt = deps.now();
      const answer = await deps.send(request);
      const answeredAt = deps.now();
      if (answeredAt >= endAt) return;
      if (answer.error === undefined) histogram.record((answeredAt - sentAt) * 1000);
      count(totals, answer);
      const model = deps.targetModelOf?.(request);
      if (model !== undefined) {
        const counts = byModel[model] ?? { requests: 0, succeeded: 0 };
        counts.requests += 1;
        if (answer.error === undefined) counts.succeeded += 1;
        byModel[model] = counts;
      }
      const window = Math.floor((answeredAt - stepStart) / windowMs);
      let counts = windows.get(window);
      if (counts === undefined) {
        counts = { ...emptyCounts(), startSecond: window * plan.windowSeconds };
        windows.set(window, counts);
      }
      count(counts, answer);
      if (answer.status === undefined) await deps.sleep(CLIENT_FAILURE_PAUSE_MS);
    }
  };
  // A request still in flight at the end of the slice is not waited for: it would not count.
  const untilEnd = () => deps.sleep(Math.max(0, endAt - deps.now()));
  await Promise.race([Promise.all(users.map(runUser)), untilEnd()]);

  return {
    ...totals,
    step: plan.step.index,
    slice: plan.slice.index,
    worker: plan.worker.index,
    users: users.length,
    startAt,
    startedAt,
    lateStartMs: Math.max(0, startedAt - startAt),
    endedAt: Math.min(deps.now(), endAt),
    budgetExhausted: sent >= plan.worker.budget,
    latency: histogram.toJSON(),
    windows: [...windows.values()].sort((a, b) => a.startSecond - b.startSecond),
    ...(Object.keys(byModel).length > 0 ? { targetModels: byModel } : {}),
  };
}
