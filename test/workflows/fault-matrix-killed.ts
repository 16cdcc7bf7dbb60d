/**
 * The fault matrix's fault c in process: the emulator killed while a Task state runs and restarted on its state
 * directory. The SageMaker in process (ScriptedSageMaker) keeps everything through the emulator's own persistence
 * on a state directory, and its killAfter() is what SIGKILL does to `smwf local start`: the answer of the call in
 * flight is lost (the step's connection is reset), what the emulator held only in memory is gone without its
 * shutdown path, and a new one starts on the same state directory with the emulator's own loading and resuming. The
 * kill lands after the state's named operation, so that its side effect is on disk and only the answer is lost: the
 * first call it makes that changes SageMaker or Application Auto Scaling, or invokes an endpoint (CreateEndpoint,
 * RegisterScalableTarget, InvokeEndpoint: the state's work), else the first that changes anything (PutObject,
 * PutEvents, a wait record's PutItem); a state that only reads is killed after its first read; a state that calls
 * nothing, once its function has run. The operations come from the calls each state made in the matrix's earlier
 * runs of the same workflow. test/e2e/fault-matrix-emulator-killed.test.ts kills a real emulator process the same
 * way, at DeployEndpoint's states, and checks that it ends as this does.
 */
import type { AnsweredCall, ScriptedSageMaker } from '../../local/emulator/scripted/scripted-sagemaker.ts';
import type { TaskInterceptor } from './fault-matrix.ts';

/** Operations that change something: what a kill after them loses is only the answer, not the work. */
const CHANGES =
  /^(Create|Update|Delete|Put|Register|Deregister|Add|Remove|Tag|Untag|Start|Stop|Invoke|Copy|Upload|Complete|Abort|Send)/;

/** Whether a call changes something (else it only reads: Describe, List, Get, Head, Search). */
export function changesSomething(operation: string): boolean {
  return CHANGES.test(operation);
}

/** What the named operation of a state is chosen by: the state's work first, then any change, then reads. */
function rank(call: AnsweredCall): number {
  if (!changesSomething(call.operation)) return 2;
  return call.service === 'sagemaker' || call.service === 'autoScaling' || call.service === 'runtime' ? 0 : 1;
}

/** The calls each Task state made, in the order it first made them. */
export class CallsByState {
  private readonly calls = new Map<string, AnsweredCall[]>();
  /** The states whose functions are running now (a Map or Parallel state runs several at once). */
  private readonly running = new Map<string, number>();

  /** Records the calls the double answers while a state runs; returns the unsubscribe. */
  watch(double: ScriptedSageMaker): () => void {
    return double.onCall((call) => this.heard(call));
  }

  /** Records a call made now, for every state running (a double's, or one a relay to an emulator saw). */
  heard(call: AnsweredCall): void {
    for (const state of this.running.keys()) this.record(state, call);
  }

  /** Marks `state` running while `invoke` runs, around every invocation (wraps another interceptor, if given). */
  tracking(inner?: TaskInterceptor): TaskInterceptor {
    return async (task, invoke) => {
      this.running.set(task.stateName, (this.running.get(task.stateName) ?? 0) + 1);
      try {
        return await (inner ? inner(task, invoke) : invoke());
      } finally {
        const left = (this.running.get(task.stateName) ?? 1) - 1;
        if (left === 0) this.running.delete(task.stateName);
        else this.running.set(task.stateName, left);
      }
    };
  }

  private record(state: string, call: AnsweredCall): void {
    const calls = this.calls.get(state) ?? [];
    if (!calls.some((c) => c.operation === call.operation)) calls.push(call);
    this.calls.set(state, calls);
  }

  /**
   * The operation a kill during `state` lands after (see the file's comment); undefined when the state was seen
   * calling nothing.
   */
  namedOperation(state: string): string | undefined {
    const calls = this.calls.get(state) ?? [];
    const best = Math.min(...calls.map(rank));
    return calls.find((call) => rank(call) === best)?.operation;
  }
}

/** What a kill did, for the scenario's outcome. */
export interface Kill {
  /** How the kill landed: after which answered call, or between calls. */
  how: string | undefined;
}

/**
 * Fault c: during the first invocation of `stateName`, kills the double serving the run (`current()`) after it
 * answers `operation` (the state's named operation), or, with none, between calls once the state's function has
 * run; `restarted` gets the double restarted on the same state directory. Says in `kill` how it landed.
 */
export function killDuring(
  stateName: string,
  operation: string | undefined,
  current: () => ScriptedSageMaker,
  restarted: (double: ScriptedSageMaker) => void,
  kill: Kill,
): TaskInterceptor {
  return async (task, invoke) => {
    if (task.stateName !== stateName || task.attempt !== 1 || kill.how !== undefined) return invoke();
    if (operation === undefined) {
      const result = await invoke();
      kill.how = 'killed between calls';
      restarted(await current().kill());
      return result;
    }
    const disarm = current().killAfter(
      (call) => call.operation === operation,
      (double) => {
        kill.how = `killed after ${operation} answered`;
        restarted(double);
      },
    );
    let result: unknown;
    try {
      result = await invoke();
    } finally {
      disarm();
    }
    if (kill.how === undefined) {
      // The state did not call its named operation this time (its earlier runs did): it dies between calls.
      kill.how = `killed between calls (no ${operation} this time)`;
      restarted(await current().kill());
    }
    return result;
  };
}
