/**
 * CompleteWait's decisions, with the wait records, the task responder and SageMaker faked: which event completes a
 * wait, which ones change nothing (duplicate, late, out-of-order, foreign), what the fallback poll does, and how the
 * start step stores its token before its SageMaker call.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { waitRecordKey } from '../../contracts/task-tokens.ts';
import type { EndpointDescription } from '../../tasks/_shared/sagemaker.ts';
import {
  endpointOperationSettled,
  startEndpointWait,
  type TaskResponder,
  type WaitRecord,
  type WaitRecords,
} from '../../tasks/_shared/task-tokens.ts';
import type { TransformJobDescription } from '../../tasks/_shared/transform-jobs.ts';
import { type CompleteWaitDeps, onStateChange, pollOnce } from '../../tasks/complete-wait/complete-wait.ts';

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:run-1';
const KEY = waitRecordKey('endpoint', 'churn');

/** Wait records in memory, with an ETag per version. */
class MemoryRecords implements WaitRecords {
  readonly objects = new Map<string, { record: WaitRecord; etag: string }>();
  private version = 0;
  /** Every record written, in order. */
  readonly writes: WaitRecord[] = [];

  async read(key: string) {
    const found = this.objects.get(key);
    return found === undefined ? undefined : structuredClone(found);
  }

  async write(key: string, record: WaitRecord, etag?: string) {
    if (etag !== undefined && this.objects.get(key)?.etag !== etag) return undefined;
    this.version += 1;
    const stored = { record: structuredClone(record), etag: `"v${this.version}"` };
    this.objects.set(key, stored);
    this.writes.push(stored.record);
    return stored.etag;
  }
}

/** A responder that remembers what it sent, and answers TaskTimedOut for tokens it was told have closed. */
class RecordingResponder implements TaskResponder {
  readonly sent: { token: string; output: Record<string, unknown> }[] = [];
  readonly closed = new Set<string>();

  async succeed(token: string, output: unknown) {
    if (this.closed.has(token) || this.sent.some((s) => s.token === token)) return 'already-handled' as const;
    this.sent.push({ token, output: output as Record<string, unknown> });
    return 'sent' as const;
  }
}

let records: MemoryRecords;
let responder: RecordingResponder;
let endpoint: EndpointDescription | undefined;
let job: TransformJobDescription | undefined;
let now: Date;

const deps = (): CompleteWaitDeps => ({
  records,
  responder,
  now: () => now,
  sagemaker: { describeEndpoint: async () => (endpoint === undefined ? undefined : { ...endpoint }) },
  transformJobs: { describeTransformJob: async () => job },
});

function endpointEvent(name: string, status: string) {
  return { 'detail-type': 'SageMaker Endpoint State Change', detail: { EndpointName: name, EndpointStatus: status } };
}

function record(overrides: Partial<WaitRecord> = {}): WaitRecord {
  return {
    resource: { kind: 'endpoint', name: 'churn' },
    operation: { executionId: EXECUTION, step: 'deployment', action: 'update', targetConfigName: 'churn-new' },
    phase: 'started',
    token: 'token-1',
    output: {
      request: { endpointName: 'churn', wait: { timeoutMinutes: 60 } },
      endpoint: { name: 'churn', arn: 'arn:churn', action: 'update', previousConfigName: 'churn-old' },
      wait: { attempt: 0, seconds: 15, deadline: '2026-11-25T10:00:00.000Z' },
    },
    storedAt: '2026-11-25T09:00:00.000Z',
    ...overrides,
  };
}

beforeEach(() => {
  records = new MemoryRecords();
  responder = new RecordingResponder();
  endpoint = undefined;
  job = undefined;
  now = new Date('2026-11-25T09:10:00.000Z');
});

describe('endpointOperationSettled', () => {
  const update = { executionId: EXECUTION, step: 'deployment' as const, action: 'update', targetConfigName: 'new' };
  const described = (status: string, configName: string) => ({ name: 'churn', arn: 'arn', status, configName });

  it('never settles on an endpoint that is still moving', () => {
    expect(endpointOperationSettled(update, 'started', described('Updating', 'new'))).toBeUndefined();
  });

  it('settles an update on its target config before and after its call is known to be made', () => {
    expect(endpointOperationSettled(update, 'requested', described('InService', 'new'))).toMatchObject({
      status: 'InService',
      settled: true,
      configName: 'new',
    });
    expect(endpointOperationSettled(update, 'started', described('Failed', 'new'))?.status).toBe('Failed');
  });

  it('takes the old config as the end of the update (a silent rollback) only once the update was started', () => {
    expect(endpointOperationSettled(update, 'requested', described('InService', 'old'))).toBeUndefined();
    expect(endpointOperationSettled(update, 'started', described('InService', 'old'))?.configName).toBe('old');
  });

  it('takes a missing endpoint as the end of a deletion, and of a create only once it was started', () => {
    const deletion = { ...update, action: 'delete' };
    const create = { ...update, action: 'create' };
    expect(endpointOperationSettled(deletion, 'requested', undefined)?.status).toBe('Deleted');
    expect(endpointOperationSettled(deletion, 'started', described('Deleting', 'new'))).toBeUndefined();
    expect(endpointOperationSettled(create, 'requested', undefined)).toBeUndefined();
    expect(endpointOperationSettled(create, 'started', undefined)?.status).toBe('Deleted');
  });
});

describe('onStateChange', () => {
  it('completes the wait with the recorded state and the endpoint as described when the update has settled', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-new' };

    const result = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());

    expect(result.outcome).toBe('completed');
    expect(responder.sent).toHaveLength(1);
    expect(responder.sent[0]?.token).toBe('token-1');
    expect(responder.sent[0]?.output.endpointStatus).toEqual({
      status: 'InService',
      settled: true,
      configName: 'churn-new',
    });
    expect(responder.sent[0]?.output.endpoint).toMatchObject({ action: 'update', previousConfigName: 'churn-old' });
    expect((await records.read(KEY))?.record.phase).toBe('completed');
  });

  it('completes once: a duplicate of the event finds the wait completed', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-new' };

    const first = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());
    const duplicate = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());

    expect([first.outcome, duplicate.outcome]).toEqual(['completed', 'no-wait']);
    expect(responder.sent).toHaveLength(1);
  });

  it('treats the event as a hint: an IN_SERVICE event while DescribeEndpoint says Updating completes nothing', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'Updating', configName: 'churn-old' };

    const result = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());

    expect(result.outcome).toBe('not-settled');
    expect(responder.sent).toEqual([]);
  });

  it("does not complete a newer wait with an older operation's event, before the new update is called", async () => {
    // The token is stored before UpdateEndpoint: the endpoint still serves the old config, settled.
    await records.write(KEY, record({ phase: 'requested' }));
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-old' };

    const result = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());

    expect(result.outcome).toBe('not-settled');
    expect(responder.sent).toEqual([]);
  });

  it('ignores an event of an endpoint nothing waits for (a foreign endpoint)', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'other', arn: 'arn:other', status: 'InService', configName: 'other-1' };

    const result = await onStateChange(endpointEvent('other', 'IN_SERVICE'), deps());

    expect(result.outcome).toBe('no-wait');
    expect(responder.sent).toEqual([]);
  });

  it('counts a task that has closed (TaskTimedOut) as already handled and leaves the record as it is', async () => {
    await records.write(KEY, record());
    responder.closed.add('token-1');
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-new' };

    const result = await onStateChange(endpointEvent('churn', 'IN_SERVICE'), deps());

    expect(result.outcome).toBe('already-handled');
    expect((await records.read(KEY))?.record.phase).toBe('started');
  });

  it('completes a transform job wait when the job has completed', async () => {
    const key = waitRecordKey('transform-job', 'nightly-1');
    await records.write(
      key,
      record({
        resource: { kind: 'transform-job', name: 'nightly-1' },
        operation: { executionId: EXECUTION, step: 'transform', action: 'create' },
        output: { run: { jobName: 'nightly-1' } },
      }),
    );
    job = { name: 'nightly-1', status: 'Completed' } as TransformJobDescription;

    const result = await onStateChange(
      { 'detail-type': 'SageMaker Transform Job State Change', detail: { TransformJobName: 'nightly-1' } },
      deps(),
    );

    expect(result.outcome).toBe('completed');
    expect(responder.sent[0]?.output.jobStatus).toEqual({ status: 'Completed', settled: true });
  });
});

describe('pollOnce', () => {
  const poll = (token: string) => ({
    taskToken: token,
    wait: { kind: 'endpoint' as const, name: 'churn', executionId: EXECUTION, step: 'deployment' as const },
  });

  it('stores the new token and waits again while the endpoint is still moving', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'Updating', configName: 'churn-old' };

    const result = await pollOnce(poll('token-2'), deps());

    expect(result.outcome).toBe('waiting');
    expect((await records.read(KEY))?.record.token).toBe('token-2');
    expect(responder.sent).toEqual([]);
  });

  it('completes its own token when the endpoint has settled (the event was lost)', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-new' };

    const result = await pollOnce(poll('token-2'), deps());

    expect(result.outcome).toBe('completed');
    expect(responder.sent.map((s) => s.token)).toEqual(['token-2']);
  });

  it('completes past the deadline with the endpoint as it is, not settled, and the recorded state', async () => {
    await records.write(KEY, record());
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'Updating', configName: 'churn-old' };
    now = new Date('2026-11-25T10:00:01.000Z');

    const result = await pollOnce(poll('token-2'), deps());

    expect(result.outcome).toBe('timed-out');
    const output = responder.sent[0]?.output as { endpointStatus: unknown; endpoint: unknown };
    expect(output.endpointStatus).toEqual({ status: 'Updating', settled: false, configName: 'churn-old' });
    expect(output.endpoint).toMatchObject({ action: 'update', previousConfigName: 'churn-old' });
  });

  it("refuses to continue a wait the record does not name (another execution's)", async () => {
    await records.write(KEY, record({ operation: { executionId: 'other', step: 'deployment', action: 'update' } }));

    await expect(pollOnce(poll('token-2'), deps())).rejects.toThrow(
      `CompleteWait input: wait: no deployment wait of execution ${EXECUTION} is recorded for endpoint churn`,
    );
  });
});

describe('startEndpointWait', () => {
  const request = { token: 'token-1', endpointName: 'churn', executionId: EXECUTION, step: 'deployment' as const };
  const waitDeps = () => ({ records, responder, now: () => now, describeEndpoint: async () => endpoint });

  it('stores the token before the SageMaker call, then as started, and leaves the task waiting', async () => {
    let storedBeforeCall: WaitRecord | undefined;
    const output = await startEndpointWait(
      waitDeps(),
      request,
      async (beforeChange) => {
        await beforeChange({ action: 'update', targetConfigName: 'churn-new', output: { step: 'planned' } });
        storedBeforeCall = (await records.read(KEY))?.record;
        endpoint = { name: 'churn', arn: 'arn:churn', status: 'Updating', configName: 'churn-old' };
        return { step: 'done' };
      },
      () => ({ action: 'update', targetConfigName: 'churn-new', waits: true }),
    );

    expect(storedBeforeCall).toMatchObject({ token: 'token-1', phase: 'requested', output: { step: 'planned' } });
    expect(output).toEqual({ step: 'done' });
    expect((await records.read(KEY))?.record).toMatchObject({ phase: 'started', output: { step: 'done' } });
    expect(responder.sent).toEqual([]);
  });

  it('completes its own token when nothing needed changing', async () => {
    endpoint = { name: 'churn', arn: 'arn:churn', status: 'InService', configName: 'churn-new' };

    await startEndpointWait(
      waitDeps(),
      request,
      async () => ({ endpoint: { name: 'churn', arn: 'arn:churn', action: 'none' } }),
      () => ({ action: 'none', targetConfigName: 'churn-new', waits: false }),
    );

    expect(responder.sent).toHaveLength(1);
    expect(responder.sent[0]?.output.endpointStatus).toMatchObject({ status: 'InService', settled: true });
  });
});
