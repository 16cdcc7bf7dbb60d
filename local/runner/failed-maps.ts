/**
 * A failed Map starts no more iterations. The Amazon States Language has a Map state fail, and its iterations
 * stop, when one iteration fails (an unhandled error, or a Fail state); a Step Functions Map with items still queued
 * behind its MaxConcurrency starts none of them. aws-local-stepfunctions 3 stops the iterations under way
 * (MapStateAction aborts them) but not its queue (p-limit): the items not started yet start afterwards and run their
 * states behind the execution's back (a RightSizeEndpoint candidate deployed while its execution failed, and was left).
 *
 * The library gives each run of a Map an iterator StateMachine of its own and starts every iteration with its
 * `run`, passing the run options of the execution around it (`_rootAbortSignal` set: a root execution has none).
 * Once one iteration of an iterator machine fails, its later iterations are not started: they end at once, with no
 * event, and the Map (already failed) ignores them. A Parallel state's branches are machines of their own, each run
 * once, so nothing changes for them.
 */
import { StateMachine } from 'aws-local-stepfunctions';

type Run = StateMachine['run'];
type Execution = ReturnType<Run>;

/**
 * Set once per process: aws-local-stepfunctions is loaded once per process, this module maybe more than once (the
 * tests load the project's modules afresh for some test files, in a shared process), and the patch must not wrap
 * itself.
 */
const INSTALLED_KEY = Symbol.for('sagemaker-workflows.failed-maps-stop-their-queues');

/** An iteration that is not started: no event, and a result the failed Map ignores. */
function notStarted(): Execution {
  return {
    abort: () => undefined,
    eventLogs: (async function* () {})(),
    result: Promise.resolve(null),
  } as unknown as Execution;
}

/** Makes every failed Map of this process start no more iterations. Idempotent. */
export function stopFailedMapsQueues(): void {
  const processWide = globalThis as Record<symbol, boolean | undefined>;
  if (processWide[INSTALLED_KEY]) return;
  processWide[INSTALLED_KEY] = true;
  const failed = new WeakSet<StateMachine>();
  const run: Run = StateMachine.prototype.run;
  StateMachine.prototype.run = function (this: StateMachine, input, options) {
    const iteration = (options as { _rootAbortSignal?: AbortSignal } | undefined)?._rootAbortSignal !== undefined;
    if (!iteration) return run.call(this, input, options);
    if (failed.has(this)) return notStarted();
    const execution = run.call(this, input, options);
    execution.result.catch(() => failed.add(this));
    return execution;
  };
}
