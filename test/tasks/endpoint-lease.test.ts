/**
 * The endpoint lease's decisions, through the Lambda handlers with the real S3 and Step Functions clients, whose
 * `send` aws-sdk-client-mock replaces: an S3 that keeps one object per key and answers the conditional writes as
 * S3 does (412 PreconditionFailed, 404 NoSuchKey for If-Match on nothing), and DescribeExecution answers.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EndpointLease, LeaseDocument } from '../../contracts/endpoint-lease.ts';
import { handler as acquire } from '../../tasks/acquire-endpoint-lease/handler.ts';
import { handler as describeHolder } from '../../tasks/describe-lease-holder/handler.ts';
import { handler as release } from '../../tasks/release-endpoint-lease/handler.ts';

const BUCKET = 'artifacts';
const KEY = 'leases/endpoints/churn.json';
const NOW = new Date('2026-11-25T10:00:00.000Z');
const ME = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v2';
const OTHER = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v1';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);

/** The bucket: one object per key, its body and ETag. */
let objects: Map<string, { body: string; etag: string }>;
let writes: number;

function s3Error(name: string, status: number) {
  return new S3ServiceException({ name, message: name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

function store(body: unknown) {
  writes += 1;
  const etag = `"etag-${writes}"`;
  objects.set(KEY, { body: typeof body === 'string' ? body : JSON.stringify(body), etag });
  return etag;
}

const stored = (): LeaseDocument => JSON.parse(objects.get(KEY)?.body ?? 'null') as LeaseDocument;

function heldBy(executionArn: string, overrides: Partial<LeaseDocument> = {}): LeaseDocument {
  return {
    endpointName: 'churn',
    state: 'held',
    executionArn,
    workflow: 'DeployEndpoint',
    takenAt: '2026-11-25T09:58:00.000Z',
    expiresAt: '2026-11-27T09:57:00.000Z',
    ...overrides,
  };
}

function state(lease: Partial<EndpointLease> = {}) {
  return {
    request: { endpointName: 'churn' },
    execution: { id: ME, name: 'churn-v2', startedAt: '2026-11-25T09:59:00.000Z' },
    lease: { endpointName: 'churn', workflow: 'DeployEndpoint', waitMinutes: 60, acquired: false, ...lease },
  };
}

type Out = ReturnType<typeof state>;

beforeAll(() => {
  process.env.ARTIFACT_BUCKET_NAME = BUCKET;
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  objects = new Map();
  writes = 0;
  s3.reset();
  sfn.reset();
  s3.on(PutObjectCommand).callsFake((input) => {
    const current = objects.get(String(input.Key));
    if (input.IfNoneMatch === '*' && current) throw s3Error('PreconditionFailed', 412);
    if (input.IfMatch !== undefined && !current) throw s3Error('NoSuchKey', 404);
    if (input.IfMatch !== undefined && current?.etag !== input.IfMatch) throw s3Error('PreconditionFailed', 412);
    return { ETag: store(String(input.Body)) };
  });
  s3.on(GetObjectCommand).callsFake(read);
});

/** GetObject of the bucket above. */
function read(input: { Key?: string | undefined }) {
  const found = objects.get(String(input.Key));
  if (!found) throw s3Error('NoSuchKey', 404);
  return { ETag: found.etag, Body: { transformToString: async () => found.body } as never };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('AcquireEndpointLease', () => {
  it('takes a free lease with If-None-Match: *, expiring when the execution may run no longer', async () => {
    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({ acquired: true, takenAt: NOW.toISOString() });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: BUCKET,
      Key: KEY,
      IfNoneMatch: '*',
    });
    expect(stored()).toEqual({
      endpointName: 'churn',
      state: 'held',
      executionArn: ME,
      workflow: 'DeployEndpoint',
      takenAt: NOW.toISOString(),
      expiresAt: '2026-11-27T09:59:00.000Z',
    });
  });

  it('takes a released lease by replacing exactly the version it read (If-Match)', async () => {
    const released = store(heldBy(OTHER, { state: 'released', releasedAt: '2026-11-25T09:59:30.000Z' }));

    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({ acquired: true });
    expect(out.lease).not.toHaveProperty('takenOver');
    expect(s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.IfMatch).toBe(released);
    expect(stored().executionArn).toBe(ME);
  });

  it('keeps a lease this execution already holds (a retry after a lost answer) without writing', async () => {
    store(heldBy(ME, { takenAt: '2026-11-25T09:59:10.000Z' }));

    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({ acquired: true, takenAt: '2026-11-25T09:59:10.000Z' });
    expect(writes).toBe(1);
  });

  it('reports a lease another execution holds, with the version it saw, and changes nothing', async () => {
    const etag = store(heldBy(OTHER));

    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({
      acquired: false,
      holder: {
        executionArn: OTHER,
        workflow: 'DeployEndpoint',
        takenAt: '2026-11-25T09:58:00.000Z',
        heldSeconds: 120,
        etag,
      },
    });
    expect(stored().executionArn).toBe(OTHER);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('takes over an expired lease without asking whether its holder runs', async () => {
    store(heldBy(OTHER, { expiresAt: '2026-11-25T09:00:00.000Z' }));

    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({
      acquired: true,
      takenOver: { from: { executionArn: OTHER, heldSeconds: 120 }, reason: 'expired' },
    });
    expect(stored().executionArn).toBe(ME);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('replaces an object that is no lease document', async () => {
    store('not json');

    const out = (await acquire(state())) as Out;

    expect(out.lease.acquired).toBe(true);
    expect(stored().executionArn).toBe(ME);
  });

  it('loses a race for a released lease to the run that wrote first, and reports that run', async () => {
    store(heldBy(OTHER, { state: 'released' }));
    const winner = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v3';
    // Between this run's read and its write, another run takes the lease.
    s3.on(GetObjectCommand)
      .callsFakeOnce((input) => {
        const answer = read(input);
        store(heldBy(winner));
        return answer;
      })
      .callsFake(read);

    const out = (await acquire(state())) as Out;

    expect(out.lease).toMatchObject({ acquired: false, holder: { executionArn: winner } });
    expect(stored().executionArn).toBe(winner);
  });
});

describe('DescribeLeaseHolder', () => {
  const holder = {
    executionArn: OTHER,
    workflow: 'DeployEndpoint',
    takenAt: '2026-11-25T09:58:00.000Z',
    heldSeconds: 120,
    etag: '"etag-1"',
  };

  it('waits for a holder that runs: 5 s, doubling to 60 s, until lease.waitMinutes have passed', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: OTHER }).resolves({ status: 'RUNNING' });

    const first = (await describeHolder(state({ holder }))) as Out;
    const later = (await describeHolder({
      ...first,
      lease: { ...first.lease, wait: { attempt: 4, seconds: 60, deadline: '2026-11-25T11:00:00.000Z' } },
    })) as Out;

    expect(first.lease.holder?.status).toBe('RUNNING');
    expect(first.lease.wait).toEqual({ attempt: 0, seconds: 5, deadline: '2026-11-25T11:00:00.000Z' });
    expect(later.lease.wait).toEqual({ attempt: 5, seconds: 60, deadline: '2026-11-25T11:00:00.000Z' });
  });

  it('gives up past the deadline with EndpointBusyError naming the holder', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const waited = state({ holder, wait: { attempt: 9, seconds: 60, deadline: '2026-11-25T10:00:00.000Z' } });

    await expect(describeHolder(waited)).rejects.toMatchObject({
      name: 'EndpointBusyError',
      message: `Endpoint churn is being changed by another deployment: its lease is held by DeployEndpoint execution ${OTHER}, holding it for 2 min 0 s; this run waited 1 h 0 min for it and changed nothing`,
    });
  });

  it('does not wait at all when lease.waitMinutes is 0', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    await expect(describeHolder(state({ holder, waitMinutes: 0 }))).rejects.toMatchObject({
      name: 'EndpointBusyError',
      message: expect.stringContaining('this run does not wait (lease.waitMinutes is 0)'),
    });
  });

  it('records an ended holder, and a holder that does not exist, for AcquireEndpointLease to take over', async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: OTHER }).resolves({ status: 'ABORTED' });
    sfn
      .on(DescribeExecutionCommand, { executionArn: 'arn:gone' })
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    const ended = (await describeHolder(state({ holder }))) as Out;
    const gone = (await describeHolder(state({ holder: { ...holder, executionArn: 'arn:gone' } }))) as Out;

    expect(ended.lease.holder?.status).toBe('ABORTED');
    expect(ended.lease).not.toHaveProperty('wait');
    expect(gone.lease.holder?.status).toBe('DOES_NOT_EXIST');
  });
});

describe('AcquireEndpointLease after DescribeLeaseHolder', () => {
  it('takes over the lease of an ended holder, naming it and its status', async () => {
    const etag = store(heldBy(OTHER));
    const seen = {
      executionArn: OTHER,
      workflow: 'DeployEndpoint',
      takenAt: '2026-11-25T09:58:00.000Z',
      heldSeconds: 120,
      etag,
      status: 'FAILED',
    };

    const out = (await acquire(state({ holder: seen }))) as Out;

    expect(out.lease).toMatchObject({
      acquired: true,
      takenOver: { from: { executionArn: OTHER, workflow: 'DeployEndpoint' }, reason: 'not-running', status: 'FAILED' },
    });
    expect(out.lease).not.toHaveProperty('holder');
    expect(stored().executionArn).toBe(ME);
  });

  it('does not take over when the lease changed since the ended holder was seen', async () => {
    store(heldBy(OTHER));
    const seen = {
      executionArn: OTHER,
      workflow: 'DeployEndpoint',
      takenAt: '2026-11-25T09:58:00.000Z',
      heldSeconds: 120,
      etag: '"an-older-version"',
      status: 'FAILED',
    };

    const out = (await acquire(state({ holder: seen }))) as Out;

    expect(out.lease).toMatchObject({ acquired: false, holder: { executionArn: OTHER, etag: '"etag-1"' } });
    expect(out.lease.holder).not.toHaveProperty('status');
    expect(stored().executionArn).toBe(OTHER);
  });
});

describe('ReleaseEndpointLease', () => {
  it('marks the lease released with a conditional write on the version it read', async () => {
    const etag = store(heldBy(ME));

    const out = (await release(state({ acquired: true }))) as Out;

    expect(out.lease.released).toBe(true);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.IfMatch).toBe(etag);
    expect(stored()).toMatchObject({ state: 'released', executionArn: ME, releasedAt: NOW.toISOString() });
  });

  it('leaves alone a lease another execution took over, and says so', async () => {
    store(heldBy(OTHER));

    const out = (await release(state({ acquired: true }))) as Out;

    expect(out.lease).toMatchObject({
      released: false,
      releaseNote: `Not released: DeployEndpoint execution ${OTHER} holds it now`,
    });
    expect(stored().executionArn).toBe(OTHER);
  });

  it('touches nothing when the run never took the lease', async () => {
    store(heldBy(OTHER));

    const out = await release(state({ acquired: false }));
    const withoutLease = await release({ request: { endpointName: 'churn' }, execution: state().execution });

    expect(out).toEqual(state({ acquired: false }));
    expect(withoutLease).toEqual({ request: { endpointName: 'churn' }, execution: state().execution });
    expect(s3.calls()).toHaveLength(0);
  });
});
