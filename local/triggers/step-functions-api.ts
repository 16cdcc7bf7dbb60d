/**
 * A local Step Functions API subset backed by the local runner: StartExecution, DescribeExecution, ListExecutions,
 * and SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat (the runner's waiting tasks) over awsJson 1.0 (`X-Amz-Target: AWSStepFunctions.<Operation>`), on 127.0.0.1. Handlers that
 * call Step Functions (a rule's dispatcher function) reach it through `AWS_ENDPOINT_URL_SFN`. Any other operation
 * is refused with UnknownOperationException rather than answered.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import * as SfnSdk from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ServiceError } from '../emulator/errors.ts';
import {
  bindClientClass,
  metadata,
  operationOf,
  type SdkClientClass,
  type ServiceExceptionClass,
  sdkException,
} from '../emulator/scripted/sdk-binding.ts';
import {
  ExecutionAlreadyExistsError,
  ExecutionInputRefusedError,
  type ExecutionResult,
  type LocalRunner,
  TaskTokenError,
} from '../runner/runner.ts';

/** An error answered as Step Functions answers it (`__type` and `message`). */
export class StepFunctionsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** One execution as DescribeExecution reports it. */
interface TrackedExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly workflow: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: Date;
  status: 'RUNNING' | ExecutionResult['status'];
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** Settles when the execution ends. */
  readonly result: Promise<ExecutionResult>;
}

/** What DescribeExecution reports of an execution. */
type DescribedExecution = Pick<
  TrackedExecution,
  'executionArn' | 'stateMachineArn' | 'name' | 'input' | 'status' | 'stopDate' | 'output' | 'error' | 'cause'
> & { readonly startDate: Date };

/** Step Functions' execution name rule: 1-80 characters, none of whitespace, brackets, wildcards, control codes. */
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/;

function isExecutionName(name: string): boolean {
  return (
    EXECUTION_NAME.test(name) &&
    ![...name].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))
  );
}

/** Every execution started through the runner by the trigger engine or the local Step Functions API. */
export class LocalExecutions {
  private readonly byArn = new Map<string, TrackedExecution>();
  private readonly workflowByArn: ReadonlyMap<string, string>;

  constructor(private readonly runner: LocalRunner) {
    this.workflowByArn = new Map(Object.entries(runner.workflows.stateMachineArns).map(([name, arn]) => [arn, name]));
  }

  /** The workflow of a state machine ARN, or undefined when the stack has no such state machine. */
  workflowOf(stateMachineArn: string): string | undefined {
    return this.workflowByArn.get(stateMachineArn);
  }

  /** StartExecution: the same name and input return the running execution; a different input is refused. */
  start(stateMachineArn: string, inputText: string | undefined, name?: string): TrackedExecution {
    const workflow = this.workflowOf(stateMachineArn);
    if (workflow === undefined) {
      throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    }
    if (name !== undefined && !isExecutionName(name))
      throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
    let input: unknown;
    try {
      input = JSON.parse(inputText ?? '{}');
    } catch {
      throw new StepFunctionsError('InvalidExecutionInput', 'Invalid State Machine Execution Input: must be JSON');
    }
    // Step Functions returns the execution for the same name and input only while it runs; once it has closed,
    // the name is taken.
    const previous =
      name === undefined
        ? undefined
        : this.byArn.get(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`);
    if (previous !== undefined && previous.status !== 'RUNNING') {
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${previous.executionArn}'`);
    }
    let execution: ReturnType<LocalRunner['start']>;
    try {
      execution = this.runner.start(workflow, input, name !== undefined ? { name: name } : {});
    } catch (error) {
      if (error instanceof ExecutionAlreadyExistsError)
        throw new StepFunctionsError('ExecutionAlreadyExists', error.message);
      if (error instanceof ExecutionInputRefusedError)
        throw new StepFunctionsError('InvalidExecutionInput', error.message);
      throw error;
    }
    const existing = this.byArn.get(execution.arn);
    if (existing) return existing;
    const tracked: TrackedExecution = {
      executionArn: execution.arn,
      stateMachineArn,
      workflow,
      name: execution.name,
      input: JSON.stringify(input),
      startDate: new Date(),
      status: 'RUNNING',
      result: execution.result.then((result) => {
        tracked.status = result.status;
        tracked.stopDate = new Date();
        if (result.status === 'SUCCEEDED') tracked.output = JSON.stringify(result.output ?? null);
        if (result.error !== undefined) tracked.error = result.error;
        if (result.cause !== undefined) tracked.cause = result.cause;
        return result;
      }),
    };
    this.byArn.set(execution.arn, tracked);
    return tracked;
  }

  /**
   * An execution started here, else one the runner started directly (`smwf run`, a test) or another local process
   * journaled in the runner's records directory (execution-journal.ts: one whose journal has no end and whose process
   * is gone is ABORTED).
   */
  describe(executionArn: string): DescribedExecution {
    const found = this.byArn.get(executionArn);
    if (found) return found;
    const recorded = this.runner.describeExecution(executionArn);
    if (!recorded) {
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    return {
      executionArn: recorded.executionArn,
      stateMachineArn: recorded.stateMachineArn,
      name: recorded.name,
      input: recorded.input,
      status: recorded.status,
      startDate: new Date(recorded.startDate),
      ...(recorded.stopDate !== undefined ? { stopDate: new Date(recorded.stopDate) } : {}),
      ...(recorded.output !== undefined ? { output: recorded.output } : {}),
      ...(recorded.error !== undefined ? { error: recorded.error } : {}),
      ...(recorded.cause !== undefined ? { cause: recorded.cause } : {}),
    };
  }

  /** Executions of a state machine, newest first. */
  list(stateMachineArn?: string): TrackedExecution[] {
    return [...this.byArn.values()]
      .filter((execution) => stateMachineArn === undefined || execution.stateMachineArn === stateMachineArn)
      .reverse();
  }

  /** SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: to the runner's waiting task of the token. */
  respond(operation: 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat', body: Record<string, unknown>): void {
    const token = requireString(body, 'taskToken');
    try {
      if (operation === 'SendTaskSuccess') this.runner.sendTaskSuccess(token, requireString(body, 'output'));
      else if (operation === 'SendTaskFailure') {
        this.runner.sendTaskFailure(token, optionalString(body, 'error', 256), optionalString(body, 'cause', 32_768));
      } else this.runner.sendTaskHeartbeat(token);
    } catch (error) {
      if (error instanceof TaskTokenError) throw new StepFunctionsError(error.code, error.message);
      throw error;
    }
  }

  /** Settles once every execution started so far has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.byArn.values()].map((execution) => execution.result));
  }
}

const seconds = (date: Date | undefined) => (date === undefined ? undefined : date.getTime() / 1000);

function summary(execution: DescribedExecution) {
  return {
    executionArn: execution.executionArn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: seconds(execution.startDate),
    ...(execution.stopDate ? { stopDate: seconds(execution.stopDate) } : {}),
  };
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new StepFunctionsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function optionalString(body: Record<string, unknown>, field: string, maxLength: number): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new StepFunctionsError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  return value;
}

const STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);

function operate(executions: LocalExecutions, operation: string, body: Record<string, unknown>): unknown {
  switch (operation) {
    case 'StartExecution': {
      const input = body.input;
      if (input !== undefined && typeof input !== 'string')
        throw new StepFunctionsError('ValidationException', 'input must be a string');
      const name = body.name;
      if (name !== undefined && typeof name !== 'string')
        throw new StepFunctionsError('InvalidName', 'name must be a string');
      const started = executions.start(requireString(body, 'stateMachineArn'), input, name);
      return { executionArn: started.executionArn, startDate: seconds(started.startDate) };
    }
    case 'DescribeExecution': {
      const execution = executions.describe(requireString(body, 'executionArn'));
      return {
        ...summary(execution),
        input: execution.input,
        ...(execution.output !== undefined ? { output: execution.output } : {}),
        ...(execution.error !== undefined ? { error: execution.error } : {}),
        ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      };
    }
    case 'ListExecutions': {
      const stateMachineArn = requireString(body, 'stateMachineArn');
      if (executions.workflowOf(stateMachineArn) === undefined) {
        throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      }
      const filter = body.statusFilter;
      if (filter !== undefined && !STATUSES.has(String(filter))) {
        throw new StepFunctionsError('ValidationException', `statusFilter must be one of ${[...STATUSES].join(', ')}`);
      }
      const maxResults = body.maxResults === undefined || body.maxResults === 0 ? 100 : Number(body.maxResults);
      if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
        throw new StepFunctionsError('ValidationException', 'maxResults must be between 0 and 1000');
      }
      const offset = body.nextToken === undefined ? 0 : Number(body.nextToken);
      if (!Number.isInteger(offset) || offset < 0) throw new StepFunctionsError('InvalidToken', 'Invalid Token');
      const all = executions.list(stateMachineArn).filter((e) => filter === undefined || e.status === filter);
      const page = all.slice(offset, offset + maxResults);
      const next = offset + maxResults < all.length ? { nextToken: String(offset + maxResults) } : {};
      return { executions: page.map(summary), ...next };
    }
    case 'SendTaskSuccess':
    case 'SendTaskFailure':
    case 'SendTaskHeartbeat':
      executions.respond(operation, body);
      return {};
    default:
      throw new StepFunctionsError(
        'UnknownOperationException',
        `The local Step Functions API does not implement ${operation}`,
      );
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A running local Step Functions API. */
export interface StepFunctionsApi {
  /** Base URL, e.g. http://127.0.0.1:43121 (use as AWS_ENDPOINT_URL_SFN). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the subset on 127.0.0.1 (a free port unless `port` is given). */
export async function startStepFunctionsApi(executions: LocalExecutions, port = 0): Promise<StepFunctionsApi> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const requestId = randomUUID();
      const target = String(req.headers['x-amz-target'] ?? '');
      let status = 200;
      let payload: unknown;
      try {
        const text = await readBody(req);
        if (req.method !== 'POST' || !target.startsWith('AWSStepFunctions.')) {
          throw new StepFunctionsError(
            'UnknownOperationException',
            'Expected POST with X-Amz-Target: AWSStepFunctions.<Operation>',
          );
        }
        let body: unknown;
        try {
          body = text === '' ? {} : JSON.parse(text);
        } catch {
          throw new StepFunctionsError('SerializationException', 'The request body is not JSON');
        }
        payload = operate(
          executions,
          target.slice('AWSStepFunctions.'.length),
          (body ?? {}) as Record<string, unknown>,
        );
      } catch (error) {
        status = error instanceof StepFunctionsError ? 400 : 500;
        const code = error instanceof StepFunctionsError ? error.code : 'InternalFailure';
        payload = { __type: code, message: (error as Error).message };
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': requestId });
      res.end(JSON.stringify(payload));
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A local Step Functions API this process's SFN clients use. */
export interface LocalStepFunctions {
  readonly executions: LocalExecutions;
  readonly api: StepFunctionsApi;
  /** Stops the API and points SFN clients back where they pointed before. */
  stop(): Promise<void>;
}

/**
 * Serves the local Step Functions API over `runner` (its executions, and those other local processes journaled in
 * its records directory) and points this process's SFN clients at it (`AWS_ENDPOINT_URL_SFN`), as the handlers
 * that call DescribeExecution (the endpoint lease) need.
 */
export async function serveLocalStepFunctions(runner: LocalRunner): Promise<LocalStepFunctions> {
  const executions = new LocalExecutions(runner);
  const api = await startStepFunctionsApi(executions);
  const previous = process.env.AWS_ENDPOINT_URL_SFN;
  process.env.AWS_ENDPOINT_URL_SFN = api.url;
  return {
    executions,
    api,
    async stop() {
      await api.stop();
      if (process.env.AWS_ENDPOINT_URL_SFN !== api.url) return;
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SFN;
      else process.env.AWS_ENDPOINT_URL_SFN = previous;
    },
  };
}

/**
 * Answers every SFN client of this process in process, with the same operations over `runner` (no HTTP, no
 * credentials): for tests whose other clients are answered in process too (ScriptedSageMaker), where a step completes
 * its own waiting task or asks whether an execution runs. Returns the function that puts the clients' `send` back.
 */
export function bindLocalStepFunctions(runner: LocalRunner): () => void {
  const executions = new LocalExecutions(runner);
  return bindClientClass(SFNClient as unknown as SdkClientClass, async (_client, command) => {
    const requestId = randomUUID();
    try {
      const output = operate(executions, operationOf(command), (command.input ?? {}) as Record<string, unknown>);
      const dated = Object.fromEntries(
        Object.entries(output as Record<string, unknown>).map(([key, value]) => [
          key,
          (key === 'startDate' || key === 'stopDate') && typeof value === 'number' ? new Date(value * 1000) : value,
        ]),
      );
      return { ...dated, $metadata: metadata(200, requestId) };
    } catch (error) {
      if (!(error instanceof StepFunctionsError)) throw error;
      throw sdkException(
        new ServiceError(error.code, error.message, 400),
        SfnSdk as unknown as Record<string, unknown>,
        SfnSdk.SFNServiceException as unknown as ServiceExceptionClass,
        requestId,
      );
    }
  });
}
