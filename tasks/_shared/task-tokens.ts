/**
 * Event-driven waits (contracts/task-tokens.ts): the wait records in DynamoDB, the rule that decides whether what
 * SageMaker describes now settles the operation a record names, and how a waiting task is completed. Shared by the
 * steps that start a change and wait for it (StartDeployment, StartRollback, StartTransformJob) and by CompleteWait
 * (the rules' callback and the fallback poll).
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { EndpointChange } from '../../contracts/parts/endpoint.ts';
import {
  WAIT_RECORD_EXPIRY_DAYS,
  WAIT_RECORD_KEY_ATTRIBUTE,
  WAIT_RECORD_TTL_ATTRIBUTE,
  type WaitResourceKind,
  waitRecordKey,
} from '../../contracts/task-tokens.ts';
import type { EndpointDescription } from './sagemaker.ts';
import { ENDPOINT_CHANGE } from './state-fields.ts';
import { stateSlice } from './state-slice.ts';
import { TRANSITIONAL_STATUSES } from './wait-progress.ts';

/** Which wait of an execution a record is for. */
export type WaitStep = 'deployment' | 'rollback' | 'transform';

/** The operation an execution started on a resource, as its wait record names it. */
export interface WaitOperation {
  /** The execution that started it ($$.Execution.Id). */
  readonly executionId: string;
  readonly step: WaitStep;
  /** create / update / restore / delete / none (endpoints), create (transform jobs). */
  readonly action: string;
  /** The endpoint config the endpoint is meant to serve when the operation is done (create, update, restore). */
  readonly targetConfigName?: string;
}

/**
 * Where a record's operation stands: `requested` (token stored, the call not yet known to have been made),
 * `started` (the call was made, or nothing needed calling), `completed` (its token was completed).
 */
export type WaitPhase = 'requested' | 'started' | 'completed';

/** One wait record: the token to complete, the operation it waits for, and the state the wait completes with. */
export interface WaitRecord {
  readonly resource: { readonly kind: WaitResourceKind; readonly name: string };
  readonly operation: WaitOperation;
  readonly phase: WaitPhase;
  readonly token: string;
  /** The state document the wait completes with, before the status is added. */
  readonly output: Record<string, unknown>;
  readonly storedAt: string;
}

/** A record as read, with the version its replacement is conditioned on (the token it holds). */
export interface StoredWaitRecord {
  readonly record: WaitRecord;
  readonly etag: string;
}

/** The wait records. */
export interface WaitRecords {
  read(key: string): Promise<StoredWaitRecord | undefined>;
  /**
   * Writes `record` and returns its version; with `etag`, only if the key still holds that version (undefined when
   * it does not: a fallback poll stored a new token meanwhile).
   */
  write(key: string, record: WaitRecord, etag?: string): Promise<string | undefined>;
}

function isWaitRecord(value: unknown): value is WaitRecord {
  const record = value as Partial<WaitRecord> | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    typeof record.token === 'string' &&
    typeof record.phase === 'string' &&
    typeof record.operation === 'object' &&
    typeof record.resource === 'object' &&
    typeof record.output === 'object'
  );
}

/**
 * The wait records in the DynamoDB `table`: one item per key, the record as JSON, its token as the version a
 * conditional write checks, and the time to live after which DynamoDB removes it.
 */
export function dynamoDbWaitRecords(dynamodb: DynamoDBClient, table: string): WaitRecords {
  return {
    async read(key) {
      const out = await dynamodb.send(
        new GetItemCommand({
          TableName: table,
          Key: { [WAIT_RECORD_KEY_ATTRIBUTE]: { S: key } },
          ConsistentRead: true,
        }),
      );
      const text = out.Item?.record?.S;
      if (text === undefined) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return undefined;
      }
      return isWaitRecord(parsed) ? { record: parsed, etag: parsed.token } : undefined;
    },
    async write(key, record, etag) {
      const expiresAt = Math.floor(Date.parse(record.storedAt) / 1000) + WAIT_RECORD_EXPIRY_DAYS * 86_400;
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: {
              [WAIT_RECORD_KEY_ATTRIBUTE]: { S: key },
              token: { S: record.token },
              record: { S: JSON.stringify(record) },
              [WAIT_RECORD_TTL_ATTRIBUTE]: { N: String(expiresAt) },
            },
            ...(etag !== undefined
              ? {
                  ConditionExpression: '#token = :token',
                  ExpressionAttributeNames: { '#token': 'token' },
                  ExpressionAttributeValues: { ':token': { S: etag } },
                }
              : {}),
          }),
        );
        return record.token;
      } catch (error) {
        if (etag !== undefined && (error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    },
  };
}

/** What sending a task's result did: sent, or the task was already closed (TaskTimedOut) or is unknown (InvalidToken). */
export type TaskResponse = 'sent' | 'already-handled';

/** Completes waiting tasks. */
export interface TaskResponder {
  succeed(token: string, output: unknown): Promise<TaskResponse>;
}

/**
 * The TaskResponder backed by Step Functions' SendTaskSuccess. `TaskTimedOut` (the task has closed: it completed, or
 * its heartbeat ran out and the fallback took over) and `InvalidToken` mean someone else handled it: not an error.
 */
export function stepFunctionsResponder(client: () => SFNClient = () => new SFNClient({})): TaskResponder {
  return {
    async succeed(token, output) {
      try {
        // A client per result, not one per module: a wait sends one or two, and locally the Step Functions API a
        // process answers them on can change between runs (smwf run serves one per run; the SDK keeps the first).
        await client().send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
        return 'sent';
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') return 'already-handled';
        throw error;
      }
    },
  };
}

/** How the endpoint wait reports the endpoint it waited for (`$.endpointStatus`). */
export interface SettledEndpoint {
  readonly status: string;
  readonly settled: boolean;
  readonly configName?: string;
  readonly failureReason?: string;
}

/** What DescribeEndpoint says now, as `$.endpointStatus`; an endpoint that does not exist is `Deleted`. */
export function endpointStatusOf(endpoint: EndpointDescription | undefined): SettledEndpoint {
  if (endpoint === undefined) return { status: 'Deleted', settled: true };
  return {
    status: endpoint.status,
    settled: !TRANSITIONAL_STATUSES.has(endpoint.status),
    ...(endpoint.configName !== undefined ? { configName: endpoint.configName } : {}),
    ...(endpoint.failureReason !== undefined ? { failureReason: endpoint.failureReason } : {}),
  };
}

/**
 * Whether the endpoint as described now shows the end of `operation`, and so may complete its wait. An endpoint that
 * is still moving never does. One that settled on the operation's target config does (a create or update that took,
 * or failed on it). Anything else (gone, or settled on another config: SageMaker's silent rollback of an update) is
 * the end of this operation only once its call is known to have been made (`started`): before that, it is what an
 * older operation left, and an event about it must not complete this wait. A deletion ends when the endpoint is gone.
 */
export function endpointOperationSettled(
  operation: WaitOperation,
  phase: WaitPhase,
  endpoint: EndpointDescription | undefined,
): SettledEndpoint | undefined {
  const status = endpointStatusOf(endpoint);
  if (!status.settled) return undefined;
  if (operation.action === 'delete') return endpoint === undefined || phase !== 'requested' ? status : undefined;
  if (endpoint !== undefined && operation.targetConfigName !== undefined) {
    if (endpoint.configName === operation.targetConfigName) return status;
  }
  return phase === 'requested' ? undefined : status;
}

/** Transform job statuses that end a job. */
export const TRANSFORM_JOB_SETTLED: ReadonlySet<string> = new Set(['Completed', 'Failed', 'Stopped']);

/** A transform job's status, as BatchTransform's wait reports it (`$.jobStatus`); a job that is gone is `Missing`. */
export function transformJobStatusOf(job: { status: string; failureReason?: string | undefined } | undefined): {
  status: string;
  settled: boolean;
  failureReason?: string;
} {
  if (job === undefined) return { status: 'Missing', settled: false };
  return {
    status: job.status,
    settled: TRANSFORM_JOB_SETTLED.has(job.status),
    ...(job.failureReason !== undefined ? { failureReason: job.failureReason } : {}),
  };
}

/**
 * The state document a settled endpoint wait completes with: the record's, its `$.endpointStatus` set, and a
 * created endpoint's ARN (unknown before CreateEndpoint answered) taken from DescribeEndpoint.
 */
export function endpointWaitOutput(
  record: WaitRecord,
  status: SettledEndpoint,
  endpoint: EndpointDescription | undefined,
): Record<string, unknown> {
  const output: Record<string, unknown> = { ...record.output, endpointStatus: status };
  const change = output.endpoint as { arn?: string } | undefined;
  if (change !== undefined && !change.arn && endpoint !== undefined) {
    output.endpoint = { ...change, arn: endpoint.arn };
  }
  return output;
}

/**
 * Completes a record's token with `output` and marks the record completed (only if it still holds that token's
 * version: a fallback poll may have stored a new token meanwhile).
 */
export async function completeRecordedWait(
  deps: { records: WaitRecords; responder: TaskResponder; now(): Date },
  key: string,
  stored: StoredWaitRecord,
  output: unknown,
): Promise<TaskResponse> {
  const response = await deps.responder.succeed(stored.record.token, output);
  if (response === 'sent') {
    await deps.records.write(
      key,
      { ...stored.record, phase: 'completed', storedAt: deps.now().toISOString() },
      stored.etag,
    );
  }
  return response;
}

/** What a step needs to store its token and complete it itself. */
export interface WaitDeps {
  readonly records: WaitRecords;
  readonly responder: TaskResponder;
  now(): Date;
}

/** A change a start step is about to make, with the state document it will return once the call is made. */
export interface PlannedChange {
  readonly action: string;
  readonly targetConfigName?: string;
  readonly output: object;
}

/** Called by a start step just before its SageMaker call. */
export type BeforeChange = (change: PlannedChange) => Promise<void>;

/** Which wait of which execution, on which endpoint, a start step runs under. */
export interface EndpointWaitRequest {
  readonly token: string;
  readonly endpointName: string;
  readonly executionId: string;
  readonly step: WaitStep;
}

/**
 * Runs a start step that changes an endpoint under its waiting task's token. The token is stored (phase
 * `requested`, with the operation and the state the step will return) before the step's SageMaker call
 * (`beforeChange`), so that an event that comes at once finds it; then, with the step's result, as `started`. Then
 * the endpoint is described once: when the operation has settled already (nothing needed doing, or it settled
 * before the record said `started`, when its event could not complete it), or when the step changed nothing that
 * moves (`waits: false`), the step completes its own token. When that look fails, the event or the fallback poll
 * completes it.
 */
export async function startEndpointWait<O extends object>(
  deps: WaitDeps & { describeEndpoint(name: string): Promise<EndpointDescription | undefined> },
  request: EndpointWaitRequest,
  run: (beforeChange: BeforeChange) => Promise<O>,
  operationOf: (output: O) => { action: string; targetConfigName?: string | undefined; waits: boolean },
): Promise<O> {
  const key = waitRecordKey('endpoint', request.endpointName);
  const base = { resource: { kind: 'endpoint' as const, name: request.endpointName }, token: request.token };
  const operation = (action: string, targetConfigName: string | undefined): WaitOperation => ({
    executionId: request.executionId,
    step: request.step,
    action,
    ...(targetConfigName !== undefined ? { targetConfigName } : {}),
  });
  const output = await run(async (change) => {
    await deps.records.write(key, {
      ...base,
      operation: operation(change.action, change.targetConfigName),
      phase: 'requested',
      output: change.output as Record<string, unknown>,
      storedAt: deps.now().toISOString(),
    });
  });
  const done = operationOf(output);
  const record: WaitRecord = {
    ...base,
    operation: operation(done.action, done.targetConfigName),
    phase: 'started',
    output: output as Record<string, unknown>,
    storedAt: deps.now().toISOString(),
  };
  const etag = (await deps.records.write(key, record)) ?? '';
  let endpoint: EndpointDescription | undefined;
  try {
    endpoint = await deps.describeEndpoint(request.endpointName);
  } catch {
    // The change is made: a failed look (throttling) must not fail the step and make it again. The event, or the
    // fallback poll, sees the endpoint settle.
    return output;
  }
  const settled = done.waits
    ? endpointOperationSettled(record.operation, record.phase, endpoint)
    : endpointStatusOf(endpoint);
  if (settled !== undefined) {
    await completeRecordedWait(deps, key, { record, etag }, endpointWaitOutput(record, settled, endpoint));
  }
  return output;
}

/**
 * Runs StartTransformJob under its waiting task's token: stored before CreateTransformJob (`beforeChange`), then as
 * `started` with the step's result; a job that has already ended (a duplicate delivery's, followed) completes the
 * token at once. Job names are unique per run, so any settled state of the job is this operation's end.
 */
export async function startTransformJobWait<O extends { job: { name: string } }>(
  deps: WaitDeps & {
    describeTransformJob(name: string): Promise<{ status: string; failureReason?: string | undefined } | undefined>;
  },
  request: { readonly token: string; readonly jobName: string; readonly executionId: string },
  run: (beforeChange: BeforeChange) => Promise<O>,
): Promise<O> {
  const key = waitRecordKey('transform-job', request.jobName);
  const base = {
    resource: { kind: 'transform-job' as const, name: request.jobName },
    token: request.token,
    operation: { executionId: request.executionId, step: 'transform' as const, action: 'create' },
  };
  const output = await run(async (change) => {
    await deps.records.write(key, {
      ...base,
      phase: 'requested',
      output: change.output as Record<string, unknown>,
      storedAt: deps.now().toISOString(),
    });
  });
  const record: WaitRecord = {
    ...base,
    phase: 'started',
    output: output as unknown as Record<string, unknown>,
    storedAt: deps.now().toISOString(),
  };
  const etag = (await deps.records.write(key, record)) ?? '';
  let status: ReturnType<typeof transformJobStatusOf>;
  try {
    status = transformJobStatusOf(await deps.describeTransformJob(output.job.name));
  } catch {
    return output;
  }
  if (status.settled) await completeRecordedWait(deps, key, { record, etag }, { ...record.output, jobStatus: status });
  return output;
}

/**
 * The endpoint change an execution's wait record names (`endpoint` of the state its step was to return), or
 * undefined when the record is another execution's or names none. The record is written before the Create/Update
 * call, so it tells what the execution changed even when the step's result never arrived (StartRollback's recovery).
 */
export function recordedEndpointChange(
  record: WaitRecord | undefined,
  executionId: string,
): EndpointChange | undefined {
  if (record === undefined || record.operation.executionId !== executionId) return undefined;
  try {
    const { endpoint } = RecordedChange.check(record.output, 'wait record output');
    return ['create', 'update', 'none'].includes(endpoint.action) ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

/** The change a wait record's output names (steps carry no validation library: the state slice checks it). */
const RecordedChange = stateSlice<{ endpoint: EndpointChange }>({ endpoint: ENDPOINT_CHANGE });
