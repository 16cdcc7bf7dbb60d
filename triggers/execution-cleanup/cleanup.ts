/**
 * The execution cleanup: when an execution of one of the stack's state machines is ABORTED or TIMED_OUT, it runs no
 * more states, so no rollback, and what it had created stays. This removes, of the SageMaker resources tagged
 * `sagemaker-workflows:execution` with that execution, those it created and nothing serves:
 *
 * - endpoints it created (created after the execution started, tagged with it): an endpoint that existed before the
 *   execution started is never deleted, whatever its tags say (FinalizeDeployment tags an updated endpoint with the
 *   execution that updated it);
 * - endpoint configs it created that no endpoint left standing uses, as its config or as the one an update is
 *   moving to;
 * - models it created that no endpoint config left standing names.
 *
 * It waits (up to `deadline`) for an endpoint that is Creating, Updating or RollingBack and concerns what it would
 * remove, since SageMaker deletes no endpoint in progress and an update under way may still settle on either config.
 * The same rules serve any workflow that makes throwaway resources (RightSizeEndpoint's candidate endpoints carry the
 * execution tag and `sagemaker-workflows:throwaway`): whatever carries the execution's tag is covered.
 *
 * The tag's value is the execution's ARN or, as the deployment steps write it today, its name; a name is unique per
 * state machine only, so a resource is also required to have been created after this execution started.
 *
 * A FAILED execution (of a workflow that makes throwaways: the stack's rule sends only those) has run its own
 * clean-up states, but one of them may have failed too (RightSizeEndpoint's DeleteAllCandidates): of its resources,
 * only the throwaways (tagged `sagemaker-workflows:throwaway`, and with the execution's ARN, as throwaways are) are
 * deleted. Anything else a failed execution keeps is its rollback's and its redrive's.
 */
import {
  type ExecutionStatusChangeDetail,
  FAILED_THROWAWAYS_ONLY,
  parseExecutionStatusChange,
  STOPPED_WITHOUT_ROLLBACK,
} from '../../contracts/parts/execution-status-change.ts';
import type { ListedResource, SageMakerGateway, Tags } from '../../tasks/_shared/sagemaker.ts';
import { TagKeys } from '../../tasks/_shared/tags.ts';

/** The SageMaker calls the cleanup makes. */
export interface CleanupSageMaker
  extends Pick<
    SageMakerGateway,
    | 'describeEndpoint'
    | 'describeEndpointConfig'
    | 'deleteModel'
    | 'deleteEndpointConfig'
    | 'deleteEndpoint'
    | 'listTags'
  > {
  /** Every endpoint, endpoint config and model of the account and region (no name filter: the steps' have one). */
  listEndpoints(): Promise<ListedResource[]>;
  listEndpointConfigs(): Promise<ListedResource[]>;
  listModels(): Promise<ListedResource[]>;
}

interface CleanupDeps {
  readonly sagemaker: CleanupSageMaker;
  /** ms since the epoch. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Until when (ms since the epoch) to wait for endpoints in progress. */
  readonly deadline: number;
  /** Between two looks at endpoints in progress. @default 10000 */
  readonly pollMs?: number;
}

/** What the cleanup did. */
interface CleanupReport {
  readonly executionArn: string;
  readonly status: string;
  /** Why nothing was looked at (a status the cleanup does not act on). */
  readonly ignored?: string;
  readonly deleted: { endpoints: string[]; endpointConfigs: string[]; models: string[] };
  /** Resources of this execution left in place, and why. */
  readonly kept: { name: string; reason: string }[];
}

/** The event is not a status change the cleanup can read (a field is missing or wrong). */
class InvalidStatusChangeEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStatusChangeEvent';
  }
}

/** An endpoint that concerns the cleanup was still in progress at the deadline; a retry (Lambda's) goes on. */
class EndpointStillInProgressError extends Error {
  constructor(endpoint: string, status: string) {
    super(`Endpoint ${endpoint} is still ${status}; the cleanup will look again when retried`);
    this.name = 'EndpointStillInProgress';
  }
}

const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** Whether a resource's tags name this execution (by ARN, or by name as the deployment steps tag). */
function taggedWith(tags: Tags, detail: ExecutionStatusChangeDetail): boolean {
  const value = tags[TagKeys.execution];
  return value !== undefined && (value === detail.executionArn || value === detail.name);
}

/** A throwaway of this execution: the throwaway tag, and the execution tag holding its ARN. */
function throwawayOf(tags: Tags, detail: ExecutionStatusChangeDetail): boolean {
  return tags[TagKeys.throwaway] !== undefined && tags[TagKeys.execution] === detail.executionArn;
}

/** The listed resources created after the execution started and tagged with it (only its throwaways: `throwaways`). */
async function madeBy(
  listed: readonly ListedResource[],
  detail: ExecutionStatusChangeDetail,
  sagemaker: CleanupSageMaker,
  throwaways: boolean,
): Promise<ListedResource[]> {
  const mine: ListedResource[] = [];
  for (const resource of listed) {
    if (resource.createdAt.getTime() < detail.startDate) continue;
    const tags = await sagemaker.listTags(resource.arn);
    if (throwaways ? throwawayOf(tags, detail) : taggedWith(tags, detail)) mine.push(resource);
  }
  return mine;
}

/**
 * DescribeEndpoint, or undefined when the cleanup may not describe it: its IAM policy reaches the stack's name prefix
 * only, as the steps' do, and an endpoint outside it cannot use what the steps created there by name.
 */
async function describeIfPermitted(sagemaker: CleanupSageMaker, name: string) {
  try {
    return await sagemaker.describeEndpoint(name);
  } catch (error) {
    if ((error as Error).name === 'AccessDeniedException') return undefined;
    throw error;
  }
}

/** Cleans up after one execution status change (the EventBridge event's `detail`). */
export async function cleanUpExecution(eventDetail: unknown, deps: CleanupDeps): Promise<CleanupReport> {
  const parsed = parseExecutionStatusChange(eventDetail);
  if (typeof parsed === 'string') throw new InvalidStatusChangeEventError(parsed);
  const detail = parsed;
  const report: CleanupReport = {
    executionArn: detail.executionArn,
    status: detail.status,
    deleted: { endpoints: [], endpointConfigs: [], models: [] },
    kept: [],
  };
  const throwawaysOnly = detail.status === FAILED_THROWAWAYS_ONLY;
  if (!throwawaysOnly && !(STOPPED_WITHOUT_ROLLBACK as readonly string[]).includes(detail.status)) {
    return { ...report, ignored: `an execution ${detail.status} cleans up after itself, or is redriven` };
  }
  const { sagemaker } = deps;
  const pollMs = deps.pollMs ?? 10_000;

  const endpoints = await sagemaker.listEndpoints();
  const myEndpoints = await madeBy(endpoints, detail, sagemaker, throwawaysOnly);
  const myConfigs = await madeBy(await sagemaker.listEndpointConfigs(), detail, sagemaker, throwawaysOnly);
  const myModels = await madeBy(await sagemaker.listModels(), detail, sagemaker, throwawaysOnly);
  const myConfigNames = new Set(myConfigs.map((c) => c.name));
  if (myEndpoints.length === 0 && myConfigs.length === 0 && myModels.length === 0) return report;

  // An endpoint this execution created goes, once SageMaker takes a deletion (not while it is in progress).
  for (const endpoint of myEndpoints) {
    let described = await sagemaker.describeEndpoint(endpoint.name);
    while (described !== undefined && IN_PROGRESS.has(described.status)) {
      if (deps.now() + pollMs > deps.deadline) throw new EndpointStillInProgressError(endpoint.name, described.status);
      await deps.sleep(pollMs);
      described = await sagemaker.describeEndpoint(endpoint.name);
    }
    if (described === undefined || described.status === 'Deleting') continue;
    if (await sagemaker.deleteEndpoint(endpoint.name)) report.deleted.endpoints.push(endpoint.name);
  }

  // What the endpoints left standing serve: their configs (the current one, and one an update moves to).
  const deleted = new Set(report.deleted.endpoints);
  const servedConfigs = new Map<string, string>();
  for (const endpoint of endpoints) {
    if (deleted.has(endpoint.name)) continue;
    let described = await describeIfPermitted(sagemaker, endpoint.name);
    const concernsMine = () =>
      described !== undefined &&
      [described.configName, described.pendingConfigName].some((name) => name !== undefined && myConfigNames.has(name));
    // An update under way to or from one of this execution's configs settles on one of them: wait to see which.
    while (described !== undefined && IN_PROGRESS.has(described.status) && concernsMine()) {
      if (deps.now() + pollMs > deps.deadline) throw new EndpointStillInProgressError(endpoint.name, described.status);
      await deps.sleep(pollMs);
      described = await sagemaker.describeEndpoint(endpoint.name);
    }
    if (described === undefined || described.status === 'Deleting') continue;
    for (const name of [described.configName, described.pendingConfigName]) {
      if (name !== undefined) servedConfigs.set(name, endpoint.name);
    }
  }

  const servedModels = new Map<string, string>();
  const keptConfigs = new Set<string>();
  for (const config of myConfigs) {
    const server = servedConfigs.get(config.name);
    if (server !== undefined) {
      keptConfigs.add(config.name);
      report.kept.push({ name: config.name, reason: `endpoint ${server} uses it` });
    } else if (await sagemaker.deleteEndpointConfig(config.name)) {
      report.deleted.endpointConfigs.push(config.name);
    }
  }
  // The models of the configs left: those served, and any other config of any endpoint standing.
  for (const configName of new Set([...servedConfigs.keys(), ...keptConfigs])) {
    const config = await sagemaker.describeEndpointConfig(configName);
    for (const variant of config?.ProductionVariants ?? []) {
      if (variant.ModelName !== undefined) servedModels.set(variant.ModelName, configName);
    }
  }
  for (const model of myModels) {
    const config = servedModels.get(model.name);
    if (config !== undefined) report.kept.push({ name: model.name, reason: `endpoint config ${config} names it` });
    else if (await sagemaker.deleteModel(model.name)) report.deleted.models.push(model.name);
  }
  return report;
}
