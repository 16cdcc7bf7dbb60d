/**
 * RemovePlacedArtifacts: its core on S3 in memory (which objects under a multi-model endpoint's prefix it deletes,
 * and which it leaves), and its handler through the real S3 client, whose `send` aws-sdk-client-mock replaces.
 */
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../tasks/_shared/logger.ts';
import { placedByMetadata } from '../../tasks/_shared/placed-artifacts.ts';
import { handler } from '../../tasks/remove-placed-artifacts/handler.ts';
import {
  type RemovePlacedArtifactsDeps,
  type RemovePlacedArtifactsState,
  removePlacedArtifacts,
} from '../../tasks/remove-placed-artifacts/remove-placed-artifacts.ts';

const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:DeployMultiModelEndpoint:run-2';
const EARLIER = 'arn:aws:states:us-east-1:123456789012:execution:DeployMultiModelEndpoint:run-1';
const PREFIX = 's3://models/mme/churn/';

/** S3 in memory for one bucket: each key with its user metadata; counts the HeadObject calls. */
function fakeBucket(stored: Record<string, Record<string, string>>) {
  const keys = new Map(Object.entries(stored));
  const calls = { heads: 0 };
  const deps: RemovePlacedArtifactsDeps = {
    objects: {
      async list(_bucket, prefix) {
        return [...keys.keys()]
          .filter((key) => key.startsWith(prefix))
          .sort()
          .map((key) => ({ key, size: 1, etag: 'e', lastModified: new Date(0) }));
      },
    },
    async metadataOf({ key }) {
      calls.heads += 1;
      return keys.get(key);
    },
    async deleteObject({ key }) {
      keys.delete(key);
    },
  };
  return { deps, keys, calls };
}

/** The objects under the prefix before the rollback: this run's two copies, an earlier run's, one put by hand. */
const underPrefix = () => ({
  'mme/churn/eu-1a2b3c4d5e.tar.gz': placedByMetadata(EXECUTION),
  'mme/churn/us-2b3c4d5e6f.tar.gz': placedByMetadata(EXECUTION),
  'mme/churn/eu-0f0f0f0f0f.tar.gz': placedByMetadata(EARLIER),
  'mme/churn/eu-notes.txt': {},
  'mme/churn/apac-3c4d5e6f7a.tar.gz': placedByMetadata(EARLIER),
  'elsewhere/eu-1a2b3c4d5e.tar.gz': placedByMetadata(EXECUTION),
});

function removal(rollback?: RemovePlacedArtifactsState['rollback']): RemovePlacedArtifactsState {
  return {
    placement: { prefix: PREFIX, models: [{ name: 'eu' }, { name: 'us' }] },
    execution: { id: EXECUTION },
    ...(rollback !== undefined ? { rollback } : {}),
  };
}

describe('removePlacedArtifacts', () => {
  it("deletes the objects under the prefix whose metadata names this execution, and no other's", async () => {
    const bucket = fakeBucket(underPrefix());

    const out = await removePlacedArtifacts(removal({ action: 'delete' }), bucket.deps);

    expect(out.deleted).toEqual([`${PREFIX}eu-1a2b3c4d5e.tar.gz`, `${PREFIX}us-2b3c4d5e6f.tar.gz`]);
    expect([...bucket.keys.keys()].sort()).toEqual([
      'elsewhere/eu-1a2b3c4d5e.tar.gz',
      'mme/churn/apac-3c4d5e6f7a.tar.gz',
      'mme/churn/eu-0f0f0f0f0f.tar.gz',
      'mme/churn/eu-notes.txt',
    ]);
  });

  it("reads only the request's models' keys, not every model under the prefix", async () => {
    const bucket = fakeBucket(underPrefix());

    await removePlacedArtifacts(removal({ action: 'delete' }), bucket.deps);

    // eu-* (3) and us-* (1): the apac model, which this request does not name, is not even looked at.
    expect(bucket.calls.heads).toBe(4);
  });

  it('finds nothing left on a retry or a redrive, and ends the same', async () => {
    const bucket = fakeBucket(underPrefix());
    await removePlacedArtifacts(removal({ action: 'delete' }), bucket.deps);
    const left = [...bucket.keys.keys()];

    const again = await removePlacedArtifacts(removal({ action: 'delete' }), bucket.deps);

    expect(again.deleted).toEqual([]);
    expect([...bucket.keys.keys()]).toEqual(left);
  });

  it('leaves an object written over since this run placed it: its metadata no longer names this execution', async () => {
    const bucket = fakeBucket({ 'mme/churn/eu-1a2b3c4d5e.tar.gz': placedByMetadata(EARLIER) });

    const out = await removePlacedArtifacts(removal({ action: 'none' }), bucket.deps);

    expect(out.deleted).toEqual([]);
    expect(bucket.keys.size).toBe(1);
  });

  it.each([
    ['kept for inspection (onFailure: retain)', { action: 'retain' }],
    ['changed by something else since', { action: 'none', reason: 'Endpoint churn is InService on other-config' }],
  ])('deletes nothing for an endpoint %s, which may serve them', async (_case, rollback) => {
    const bucket = fakeBucket(underPrefix());

    const out = await removePlacedArtifacts(removal(rollback), bucket.deps);

    expect(out.deleted).toEqual([]);
    expect(bucket.keys.size).toBe(6);
    expect(bucket.calls.heads).toBe(0);
  });

  it('refuses a model without a name, naming the field, before deleting anything', async () => {
    const bucket = fakeBucket(underPrefix());
    const state = { ...removal(), placement: { prefix: PREFIX, models: [{ name: 'eu' }, {} as { name: string }] } };

    await expect(removePlacedArtifacts(state, bucket.deps)).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('placement.models[1].name'),
    });
    expect(bucket.keys.size).toBe(6);
  });

  it('deletes what this execution placed when there is no rollback (a failed add of a model)', async () => {
    const bucket = fakeBucket(underPrefix());

    const out = await removePlacedArtifacts(
      { placement: { prefix: PREFIX, models: [{ name: 'us' }] }, execution: { id: EXECUTION } },
      bucket.deps,
    );

    expect(out.deleted).toEqual([`${PREFIX}us-2b3c4d5e6f.tar.gz`]);
  });
});

describe('RemovePlacedArtifacts handler', () => {
  const s3 = mockClient(S3Client);
  const KEYS = {
    ours: 'mme/churn/eu-1a2b3c4d5e.tar.gz',
    earlier: 'mme/churn/eu-0f0f0f0f0f.tar.gz',
    gone: 'mme/churn/eu-5e5e5e5e5e.tar.gz',
  };

  beforeAll(() => {
    logger.setLogLevel('SILENT');
  });

  beforeEach(() => {
    s3.reset();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    s3.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => ({
      Contents:
        input.Prefix === 'mme/churn/eu-' ? Object.values(KEYS).map((Key) => ({ Key, Size: 1, ETag: '"e"' })) : [],
      IsTruncated: false,
    }));
    s3.on(HeadObjectCommand, { Key: KEYS.ours }).resolves({ Metadata: placedByMetadata(EXECUTION) });
    s3.on(HeadObjectCommand, { Key: KEYS.earlier }).resolves({ Metadata: placedByMetadata(EARLIER) });
    // Deleted between the listing and the HEAD (a HEAD's 404 has no body: the SDK names it NotFound).
    s3.on(HeadObjectCommand, { Key: KEYS.gone }).rejects(
      Object.assign(new Error('UnknownError'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(DeleteObjectCommand).resolves({});
  });

  it("lists by model name, reads each object's metadata and deletes only the one naming this execution", async () => {
    const out = await handler({
      placement: { prefix: PREFIX, models: [{ name: 'eu', artifact: 's3://models/eu/model.tar.gz' }] },
      execution: { id: EXECUTION, name: 'run-2', startedAt: '2026-11-25T09:00:00.000Z' },
      rollback: { action: 'delete' },
    });

    expect(out).toEqual({ deleted: [`s3://models/${KEYS.ours}`] });
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'models',
      Prefix: 'mme/churn/eu-',
    });
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'models', Key: KEYS.ours },
    ]);
  });

  it('passes on an S3 error other than a missing object, deleting nothing', async () => {
    s3.on(HeadObjectCommand, { Key: KEYS.earlier }).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );

    await expect(
      handler({
        placement: { prefix: PREFIX, models: [{ name: 'eu' }] },
        execution: { id: EXECUTION },
      }),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
  });

  it('refuses a document without the prefix, naming the field, before any call', async () => {
    await expect(
      handler({ placement: { models: [{ name: 'eu' }] }, execution: { id: EXECUTION } }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('placement.prefix: expected a string, received undefined'),
    });
    expect(s3.calls()).toEqual([]);
  });
});
