/**
 * What an execution leaves behind and may remove, by one rule shared by the execution cleanup (an ABORTED or
 * TIMED_OUT execution, triggers/execution-cleanup) and the deployments' rollbacks (CompleteRollback, and the steps
 * that undo a new endpoint): of the SageMaker resources tagged `sagemaker-workflows:execution` with the execution,
 * those it created (created after it started) and nothing serves:
 *
 * - endpoints it created: an endpoint that existed before the execution started is never deleted, whatever its tags
 *   say (FinalizeDeployment tags an updated endpoint with the execution that updated it);
 * - endpoint configs it created that no endpoint left standing uses, as its config or as the one an update is
 *   moving to;
 * - models it created that no endpoint config left standing names.
 *
 * It waits (up to `deadline`) for an endpoint that is Creating, Updating or RollingBack and concerns what it would
 * remove, since SageMaker deletes no endpoint in progress and an update under way may still settle on either config.
 * A rollback step, which waits in its state machine instead, passes a deadline of now.
 *
 * The tag's value is the execution's ARN (RightSizeEndpoint's throwaway candidates) or, as the deployment steps write
 * it, its name; a name is unique per state machine only, so a resource is also required to have been created after
 * this execution started. This is what lets a rollback find a resource whose step created it and then failed past its
 * retries (its result, which would have recorded it in the state, never arrived).
 */
import {
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { ExecutionFacts } from '../../contracts/contract-parts.ts';
import {
  type EndpointDescription,
  type ListedResource,
  type SageMakerGateway,
  sageMakerGateway,
  type Tags,
} from './sagemaker.ts';
import { TagKeys } from './tags.ts';

/** The execution whose resources are looked for. */
export interface ExecutionIdentity {
  readonly executionArn: string;
  readonly name: string;
  /** ms since the epoch: when the execution was first started (a redrive keeps it). */
  readonly startDate: number;
}

/** The SageMaker calls the removal makes. */
export interface LeftoverSageMaker
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

export interface LeftoverDeps {
  readonly sagemaker: LeftoverSageMaker;
  /** ms since the epoch. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Until when (ms since the epoch) to wait for endpoints in progress. */
  readonly deadline: number;
  /** Between two looks at endpoints in progress. @default 10000 */
  readonly pollMs?: number;
  /**
   * Deletes no endpoint, and counts every endpoint standing as serving: a rollback leaves endpoints to StartRollback,
   * which undoes a new endpoint only while it is still this run's (never one something else changed since).
   * @default false
   */
  readonly keepEndpoints?: boolean;
  /**
   * Counts only the execution's throwaways: tagged `sagemaker-workflows:throwaway`, and with the execution's ARN, as
   * throwaways are (a FAILED execution of a workflow that makes them: its own clean-up states may have failed).
   * @default false
   */
  readonly throwawaysOnly?: boolean;
}

/** What the removal did. */
export interface LeftoverRemoval {
  readonly deleted: { endpoints: string[]; endpointConfigs: string[]; models: string[] };
  /** Resources of this execution left in place, and why. */
  readonly kept: { name: string; reason: string }[];
}

/** An endpoint that concerns the removal was still in progress at the deadline; a retry goes on. */
export class EndpointStillInProgressError extends Error {
  constructor(endpoint: string, status: string) {
    super(`Endpoint ${endpoint} is still ${status}; the cleanup will look again when retried`);
    this.name = 'EndpointStillInProgress';
  }
}

const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** Whether a resource's tags name this execution (by ARN, or by name as the deployment steps tag). */
function taggedWith(tags: Tags, execution: ExecutionIdentity): boolean {
  const value = tags[TagKeys.execution];
  return value !== undefined && (value === execution.executionArn || value === execution.name);
}

/** Whether `resource` was made by `execution`: created after it started, and tagged with it. */
export async function madeByExecution(
  resource: ListedResource,
  execution: ExecutionIdentity,
  sagemaker: Pick<SageMakerGateway, 'listTags'>,
): Promise<boolean> {
  if (resource.createdAt.getTime() < execution.startDate) return false;
  return taggedWith(await sagemaker.listTags(resource.arn), execution);
}

/** The identity of the execution a state document belongs to (its context-object facts). */
export function identityOf(execution: ExecutionFacts): ExecutionIdentity {
  return { executionArn: execution.id, name: execution.name, startDate: Date.parse(execution.startedAt) };
}

/** Whether a described endpoint was made by the execution a state document belongs to. */
export async function endpointMadeBy(
  endpoint: EndpointDescription,
  execution: ExecutionFacts,
  sagemaker: Pick<SageMakerGateway, 'listTags'>,
): Promise<boolean> {
  if (endpoint.createdAt === undefined) return false;
  const resource = { name: endpoint.name, arn: endpoint.arn, createdAt: endpoint.createdAt };
  return madeByExecution(resource, identityOf(execution), sagemaker);
}

/** A throwaway of this execution: the throwaway tag, and the execution tag holding its ARN. */
function throwawayOf(tags: Tags, execution: ExecutionIdentity): boolean {
  return tags[TagKeys.throwaway] !== undefined && tags[TagKeys.execution] === execution.executionArn;
}

/** The listed resources made by `execution` (only its throwaways: `throwaways`). */
async function madeBy(
  listed: readonly ListedResource[],
  execution: ExecutionIdentity,
  sagemaker: Pick<SageMakerGateway, 'listTags'>,
  throwaways: boolean,
): Promise<ListedResource[]> {
  const mine: ListedResource[] = [];
  for (const resource of listed) {
    if (resource.createdAt.getTime() < execution.startDate) continue;
    const tags = await sagemaker.listTags(resource.arn);
    if (throwaways ? throwawayOf(tags, execution) : taggedWith(tags, execution)) mine.push(resource);
  }
  return mine;
}

/**
 * DescribeEndpoint, or undefined when the caller may not describe it: the IAM policies reach the stack's name prefix
 * only, and an endpoint outside it cannot use what the steps created there by name.
 */
async function describeIfPermitted(sagemaker: LeftoverSageMaker, name: string) {
  try {
    return await sagemaker.describeEndpoint(name);
  } catch (error) {
    if ((error as Error).name === 'AccessDeniedException') return undefined;
    throw error;
  }
}

/** Removes what `execution` created and nothing serves (the rule above); reports what it deleted and kept. */
export async function removeExecutionLeftovers(
  execution: ExecutionIdentity,
  deps: LeftoverDeps,
): Promise<LeftoverRemoval> {
  const removal: LeftoverRemoval = { deleted: { endpoints: [], endpointConfigs: [], models: [] }, kept: [] };
  const { sagemaker } = deps;
  const pollMs = deps.pollMs ?? 10_000;

  const endpoints = await sagemaker.listEndpoints();
  const throwaways = deps.throwawaysOnly ?? false;
  const myEndpoints = await madeBy(endpoints, execution, sagemaker, throwaways);
  const myConfigs = await madeBy(await sagemaker.listEndpointConfigs(), execution, sagemaker, throwaways);
  const myModels = await madeBy(await sagemaker.listModels(), execution, sagemaker, throwaways);
  const myConfigNames = new Set(myConfigs.map((c) => c.name));
  if (myEndpoints.length === 0 && myConfigs.length === 0 && myModels.length === 0) return removal;

  // An endpoint this execution created goes, once SageMaker takes a deletion (not while it is in progress).
  for (const endpoint of deps.keepEndpoints ? [] : myEndpoints) {
    let described = await sagemaker.describeEndpoint(endpoint.name);
    while (described !== undefined && IN_PROGRESS.has(described.status)) {
      if (deps.now() + pollMs > deps.deadline) throw new EndpointStillInProgressError(endpoint.name, described.status);
      await deps.sleep(pollMs);
      described = await sagemaker.describeEndpoint(endpoint.name);
    }
    if (described === undefined || described.status === 'Deleting') continue;
    if (await sagemaker.deleteEndpoint(endpoint.name)) removal.deleted.endpoints.push(endpoint.name);
  }

  // What the endpoints left standing serve: their configs (the current one, and one an update moves to).
  const deleted = new Set(removal.deleted.endpoints);
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
      removal.kept.push({ name: config.name, reason: `endpoint ${server} uses it` });
    } else if (await sagemaker.deleteEndpointConfig(config.name)) {
      removal.deleted.endpointConfigs.push(config.name);
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
    if (config !== undefined) removal.kept.push({ name: model.name, reason: `endpoint config ${config} names it` });
    else if (await sagemaker.deleteModel(model.name)) removal.deleted.models.push(model.name);
  }
  return removal;
}

type Page = {
  items: { name?: string | undefined; arn?: string | undefined; createdAt?: Date | undefined }[];
  next?: string | undefined;
};

/** Every page of a listing, as resources. */
async function listEvery(page: (token: string | undefined) => Promise<Page>): Promise<ListedResource[]> {
  const listed: ListedResource[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    for (const item of out.items) {
      if (item.name && item.arn)
        listed.push({ name: item.name, arn: item.arn, createdAt: item.createdAt ?? new Date(0) });
    }
    token = out.next;
  } while (token);
  return listed;
}

/** The removal's SageMaker calls: the steps' gateway, and listings without a name filter. */
export function leftoverSageMaker(sagemaker: SageMakerClient): LeftoverSageMaker {
  const paging = (token: string | undefined) => ({ MaxResults: 100, ...(token ? { NextToken: token } : {}) });
  return {
    ...sageMakerGateway(sagemaker),
    listEndpoints: () =>
      listEvery(async (token) => {
        const out = await sagemaker.send(new ListEndpointsCommand(paging(token)));
        const items = (out.Endpoints ?? []).map((e) => ({
          name: e.EndpointName,
          arn: e.EndpointArn,
          createdAt: e.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
    listEndpointConfigs: () =>
      listEvery(async (token) => {
        const out = await sagemaker.send(new ListEndpointConfigsCommand(paging(token)));
        const items = (out.EndpointConfigs ?? []).map((c) => ({
          name: c.EndpointConfigName,
          arn: c.EndpointConfigArn,
          createdAt: c.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
    listModels: () =>
      listEvery(async (token) => {
        const out = await sagemaker.send(new ListModelsCommand(paging(token)));
        const items = (out.Models ?? []).map((m) => ({
          name: m.ModelName,
          arn: m.ModelArn,
          createdAt: m.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
  };
}
