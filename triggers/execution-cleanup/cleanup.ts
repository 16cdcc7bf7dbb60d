/**
 * The execution cleanup: when an execution of one of the stack's state machines is ABORTED or TIMED_OUT, it runs no
 * more states, so no rollback, and what it had created stays. This removes, of the SageMaker resources tagged
 * `sagemaker-workflows:execution` with that execution, those it created and nothing serves, by the rule the
 * deployments' rollbacks apply too (tasks/_shared/execution-leftovers.ts, which says it in full). The same rule serves
 * any workflow that makes throwaway resources (RightSizeEndpoint's candidate endpoints carry the execution tag and
 * `sagemaker-workflows:throwaway`): whatever carries the execution's tag is covered.
 *
 * A FAILED execution (of a workflow that makes throwaways: the stack's rule sends only those) has run its own
 * clean-up states, but one of them may have failed too (RightSizeEndpoint's DeleteAllCandidates): of its resources,
 * only the throwaways (tagged `sagemaker-workflows:throwaway`, and with the execution's ARN, as throwaways are) are
 * deleted. Anything else a failed execution keeps is its rollback's and its redrive's.
 */
import {
  FAILED_THROWAWAYS_ONLY,
  parseExecutionStatusChange,
  STOPPED_WITHOUT_ROLLBACK,
} from '../../contracts/parts/execution-status-change.ts';
import {
  type LeftoverDeps,
  type LeftoverRemoval,
  type LeftoverSageMaker,
  removeExecutionLeftovers,
} from '../../tasks/_shared/execution-leftovers.ts';

/** The SageMaker calls the cleanup makes. */
export type CleanupSageMaker = LeftoverSageMaker;
export type CleanupDeps = LeftoverDeps;

/** What the cleanup did. */
export interface CleanupReport extends LeftoverRemoval {
  readonly executionArn: string;
  readonly status: string;
  /** Why nothing was looked at (a status the cleanup does not act on). */
  readonly ignored?: string;
}

/** The event is not a status change the cleanup can read (a field is missing or wrong). */
class InvalidStatusChangeEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStatusChangeEvent';
  }
}

/** Cleans up after one execution status change (the EventBridge event's `detail`). */
export async function cleanUpExecution(eventDetail: unknown, deps: CleanupDeps): Promise<CleanupReport> {
  const detail = parseExecutionStatusChange(eventDetail);
  if (typeof detail === 'string') throw new InvalidStatusChangeEventError(detail);
  const report = { executionArn: detail.executionArn, status: detail.status };
  const throwawaysOnly = detail.status === FAILED_THROWAWAYS_ONLY;
  if (!throwawaysOnly && !(STOPPED_WITHOUT_ROLLBACK as readonly string[]).includes(detail.status)) {
    return {
      ...report,
      ignored: `an execution ${detail.status} cleans up after itself, or is redriven`,
      deleted: { endpoints: [], endpointConfigs: [], models: [] },
      kept: [],
    };
  }
  return { ...report, ...(await removeExecutionLeftovers(detail, { ...deps, throwawaysOnly })) };
}
