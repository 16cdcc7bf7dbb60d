/**
 * Live progress of an execution: one line per state entered and exited (with its duration), retries and
 * catches visible, colours only on a terminal, or one JSON object per line for machines.
 */
import { type EndpointLease, humanDuration } from '../../contracts/endpoint-lease.ts';
import type { ExecutionEvent } from '../../local/runner/runner.ts';

/** How progress is written. */
interface ProgressOptions {
  readonly json: boolean;
  readonly color: boolean;
  readonly write: (line: string) => void;
}

const paint = (code: number) => (enabled: boolean, text: string) =>
  enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
const dim = paint(2);
const green = paint(32);
const red = paint(31);
const yellow = paint(33);

/** The first line of an error's cause: Lambda's errorMessage when the cause is its JSON document. */
export function shortCause(cause: unknown): string {
  if (typeof cause !== 'string') return cause === undefined ? '' : JSON.stringify(cause);
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return cause;
}

/**
 * An error's cause as `--json` shows it: Lambda's `{errorType, errorMessage}` without its stack trace (which
 * names local files), or the plain-text cause of a Step Functions error under the error's own name.
 */
export function cleanCause(error: string | undefined, cause: unknown): { errorType: string; errorMessage: string } {
  if (typeof cause === 'string') {
    try {
      const parsed = JSON.parse(cause) as { errorType?: unknown; errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') {
        return {
          errorType: typeof parsed.errorType === 'string' ? parsed.errorType : (error ?? ''),
          errorMessage: parsed.errorMessage,
        };
      }
    } catch {
      // a plain-text cause
    }
  }
  return { errorType: error ?? '', errorMessage: shortCause(cause) };
}

/** The states whose output says how taking the endpoint's lease goes. */
const LEASE_STATES = new Set(['AcquireEndpointLease', 'DescribeLeaseHolder']);

/** The endpoint lease a state's output records, when the state is one that takes it. */
function leaseOf(event: ExecutionEvent): EndpointLease | undefined {
  if (event.type !== 'StateExited' || !LEASE_STATES.has(event.state.name)) return undefined;
  const output = event.state.output as { lease?: EndpointLease } | null | undefined;
  return output?.lease;
}

/** The last part of an execution ARN: its name. */
const executionName = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);

/**
 * What a run waiting for an endpoint's lease shows: who holds it and for how long, and how long the run waits on;
 * or, once taken over, from which ended execution.
 */
export function describeLease(lease: EndpointLease): string | undefined {
  const { holder, wait } = lease;
  // Once described (DescribeLeaseHolder), the holder has a status: running, or ended without releasing.
  if (lease.acquired !== true && holder?.status !== undefined) {
    const who = `${holder.workflow} execution ${executionName(holder.executionArn)}`;
    if (holder.status !== 'RUNNING') {
      return `endpoint ${lease.endpointName}'s lease is held by ${who}, which is not running (${holder.status}): taking it over`;
    }
    const until = wait ? `; looking again in ${wait.seconds} s, waiting until ${wait.deadline}` : '';
    return `endpoint ${lease.endpointName} is being changed by ${who} (lease held ${humanDuration(holder.heldSeconds)})${until}`;
  }
  if (lease.acquired === true && lease.takenOver !== undefined) {
    const { from, reason, status } = lease.takenOver;
    const why = reason === 'expired' ? 'its lease expired' : `it is not running${status ? ` (${status})` : ''}`;
    return `took over the lease of endpoint ${lease.endpointName} from ${from.workflow} execution ${executionName(from.executionArn)}: ${why}`;
  }
  return undefined;
}

/** The Map iteration a state's event belongs to, as the text progress prefixes it (nothing outside a Map). */
function iterationOf(event: ExecutionEvent): string {
  return 'index' in event && typeof event.index === 'number' && 'state' in event ? `[item ${event.index}] ` : '';
}

/** A compact, JSON-safe view of one event (inputs and outputs left out: they can be large). */
export function eventSummary(event: ExecutionEvent): Record<string, unknown> {
  const summary: Record<string, unknown> = { type: event.type, timestamp: new Date(event.timestamp).toISOString() };
  if ('state' in event && event.state) {
    summary.state = event.state.name;
    summary.stateType = event.state.type;
  }
  if ('parentState' in event && event.parentState) summary.state = event.parentState.name;
  if ('index' in event && typeof event.index === 'number') summary.item = event.index;
  if (event.durationMs !== undefined) summary.durationMs = event.durationMs;
  if ('Error' in event) {
    summary.error = event.Error;
    summary.cause = cleanCause(event.Error, event.Cause);
  }
  if (event.type === 'StateRetried') summary.attempt = event.retry.attempt;
  if (event.type === 'StateCaught') summary.next = event.catch.catcher.Next;
  if (event.type === 'ExecutionRedriven') summary.redriveCount = event.redriveCount;
  const lease = leaseOf(event);
  if (lease !== undefined) {
    summary.lease = {
      endpointName: lease.endpointName,
      acquired: lease.acquired === true,
      ...(lease.holder && lease.acquired !== true ? { holder: lease.holder, wait: lease.wait } : {}),
      ...(lease.takenOver ? { takenOver: lease.takenOver } : {}),
    };
  }
  return summary;
}

/** Returns the function that prints each event as it arrives. */
export function progressPrinter(options: ProgressOptions): (event: ExecutionEvent) => void {
  const { color, write } = options;
  // A caught state also reports an exit; its ✗ and ⤷ lines already say how it ended.
  const caught = new Set<string>();
  return (event) => {
    if (options.json) {
      write(JSON.stringify(eventSummary(event)));
      return;
    }
    const duration = event.durationMs !== undefined ? dim(color, ` ${event.durationMs} ms`) : '';
    const item = iterationOf(event);
    // An error and its cause, when the event has them (an iteration that failed on AWS: its failed state has them).
    const why = (failed: { Error: string; Cause: unknown }) =>
      failed.Error === '' ? '' : ` ${red(color, failed.Error)}: ${shortCause(failed.Cause)}`;
    switch (event.type) {
      case 'ExecutionStarted':
        write(dim(color, 'execution started'));
        break;
      case 'ExecutionRedriven':
        write(dim(color, `execution redriven (redrive ${event.redriveCount})`));
        break;
      case 'StateEntered':
        write(`  ${dim(color, '→')} ${item}${event.state.name}`);
        break;
      case 'StateExited': {
        if (caught.delete(`${item}${event.state.name}`)) break;
        write(`  ${green(color, '✓')} ${item}${event.state.name}${duration}`);
        const lease = leaseOf(event);
        const line = lease && describeLease(lease);
        if (line) write(`    ${yellow(color, line)}`);
        break;
      }
      case 'StateFailed':
        // A Fail state ends the execution with an error already shown where it happened; the summary repeats it.
        if (event.state.type === 'Fail') {
          write(`  ${red(color, '✗')} ${item}${event.state.name}${duration} ${red(color, event.Error)}`);
          break;
        }
        write(
          `  ${red(color, '✗')} ${item}${event.state.name}${duration} ${red(color, event.Error)}: ${shortCause(event.Cause)}`,
        );
        break;
      case 'StateRetried':
        write(`  ${yellow(color, '↻')} ${item}${event.state.name} retry ${event.retry.attempt}`);
        break;
      case 'StateCaught':
        caught.add(`${item}${event.state.name}`);
        write(`  ${yellow(color, '⤷')} ${item}${event.state.name} caught, going to ${event.catch.catcher.Next}`);
        break;
      // A Map runs its items (each through the same states, up to its concurrency at once), a Parallel its branches.
      case 'MapIterationStarted':
        write(`  ${dim(color, '⇉')} ${event.parentState.name}: item ${event.index} started`);
        break;
      case 'MapIterationSucceeded':
        write(`  ${green(color, '✓')} ${event.parentState.name}: item ${event.index} done`);
        break;
      case 'MapIterationFailed':
        write(`  ${red(color, '✗')} ${event.parentState.name}: item ${event.index} failed${why(event)}`);
        break;
      case 'ParallelBranchStarted':
        write(`  ${dim(color, '⇉')} ${event.parentState.name}: branch started`);
        break;
      case 'ParallelBranchSucceeded':
        write(`  ${green(color, '✓')} ${event.parentState.name}: branch done`);
        break;
      case 'ParallelBranchFailed':
        write(`  ${red(color, '✗')} ${event.parentState.name}: branch failed${why(event)}`);
        break;
      case 'ExecutionAborted':
        write(red(color, 'execution aborted'));
        break;
      case 'ExecutionTimeout':
        write(red(color, 'execution timed out'));
        break;
      case 'ExecutionSucceeded':
        write(green(color, 'execution succeeded'));
        break;
      case 'ExecutionFailed':
        // The failing state's line above and the run's summary below carry the error and its cause.
        write(red(color, 'execution failed'));
        break;
      default:
        write(dim(color, event.type));
    }
  };
}

/** Formats rows as an aligned plain-text table with a header rule. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
