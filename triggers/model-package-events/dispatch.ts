/**
 * The dispatcher of Model Registry events: the target of each followed group's EventBridge rule. EventBridge
 * cannot name a Step Functions execution, so this function does: the name derives from the package (its group
 * and version), the approval status and a hash of what identifies the decision, so a repeated event starts
 * nothing new (Step Functions refuses a second execution of the same name).
 */
import { createHash } from 'node:crypto';
import {
  MODEL_PACKAGE_STATE_CHANGE,
  TRIGGERING_APPROVAL_STATUSES,
} from '../../contracts/parts/model-package-events.ts';

/** What the rule's target hands over: the event, whole, and the settings of the group the rule follows. */
export interface DispatchPayload {
  /** The group this rule follows; an event of another group starts nothing. */
  readonly group: string;
  /** The EventBridge event. */
  readonly event: unknown;
  /** The group's deployment settings (the deployment config file's entry). */
  readonly deployment: unknown;
}

/** Step Functions' limit on an execution name's length. */
const MAX_EXECUTION_NAME = 80;

/** The detail members the dispatcher reads. */
interface DecisionDetail {
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelPackageArn: string;
  ModelApprovalStatus: string;
  LastModifiedTime?: string;
}

/** Why an event starts nothing, or its detail when it is an approval decision of `group`. */
function approvalDecision(event: unknown, group: string): DecisionDetail | string {
  const e = (event ?? {}) as { source?: unknown; 'detail-type'?: unknown; detail?: Partial<DecisionDetail> };
  if (e.source !== MODEL_PACKAGE_STATE_CHANGE.source || e['detail-type'] !== MODEL_PACKAGE_STATE_CHANGE.detailType) {
    return `not a ${MODEL_PACKAGE_STATE_CHANGE.detailType} event`;
  }
  const detail = e.detail ?? {};
  if (!(TRIGGERING_APPROVAL_STATUSES as readonly unknown[]).includes(detail.ModelApprovalStatus)) {
    return `approval status ${String(detail.ModelApprovalStatus)} is not a decision (Approved or Rejected)`;
  }
  if (detail.ModelPackageGroupName !== group) {
    return `group ${String(detail.ModelPackageGroupName)} is not the followed group ${group}`;
  }
  if (typeof detail.ModelPackageArn !== 'string' || typeof detail.ModelPackageVersion !== 'number') {
    return 'the event names no versioned model package';
  }
  return detail as DecisionDetail;
}

/**
 * The execution name of a decision: `<group>-v<version>-<status>-<hash>`, at most 80 characters of letters,
 * digits and hyphens. The hash covers the package ARN, the status and the package's LastModifiedTime, so a
 * repeated event maps to the same name while a later decision on the same package (approved again after a
 * rejection) gets a new one.
 */
export function executionNameOf(detail: DecisionDetail): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([detail.ModelPackageArn, detail.ModelApprovalStatus, detail.LastModifiedTime ?? '']))
    .digest('hex')
    .slice(0, 16);
  const suffix = `-v${detail.ModelPackageVersion}-${detail.ModelApprovalStatus.toLowerCase()}-${hash}`;
  const group = detail.ModelPackageGroupName.replace(/[^A-Za-z0-9-]/g, '-');
  return `${group.slice(0, Math.max(0, MAX_EXECUTION_NAME - suffix.length))}${suffix}`.slice(-MAX_EXECUTION_NAME);
}

/** What dispatch did. */
type DispatchResult =
  | { readonly action: 'ignored'; readonly reason: string }
  | { readonly action: 'started'; readonly executionName: string; readonly executionArn: string }
  | { readonly action: 'duplicate'; readonly executionName: string };

/** What dispatch needs from the outside. */
export interface DispatchDeps {
  /**
   * Starts DeployApprovedModelPackage as `name` with `input`: its execution ARN, or `duplicate` when an execution
   * of that name exists (Step Functions' ExecutionAlreadyExists).
   */
  startExecution(name: string, input: string): Promise<{ executionArn: string } | 'duplicate'>;
}

/** Starts DeployApprovedModelPackage for an approval decision of the followed group; anything else starts nothing. */
export async function dispatch(payload: DispatchPayload, deps: DispatchDeps): Promise<DispatchResult> {
  const decision = approvalDecision(payload.event, payload.group);
  if (typeof decision === 'string') return { action: 'ignored', reason: decision };
  const executionName = executionNameOf(decision);
  const started = await deps.startExecution(
    executionName,
    JSON.stringify({ event: payload.event, deployment: payload.deployment }),
  );
  return started === 'duplicate'
    ? { action: 'duplicate', executionName }
    : { action: 'started', executionName, executionArn: started.executionArn };
}
