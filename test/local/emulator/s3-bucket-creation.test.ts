/**
 * A bucket created by several calls at once (the scripted double creates a bucket on a command's first use, and a
 * Map's iterations send their first commands together; CreateBucket twice over HTTP) is created once, and keeps
 * every object written to it meanwhile.
 */
import { rmSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedObjects } from '../../../local/emulator/scripted/scripted-objects.ts';

describe('a bucket created by calls at once', () => {
  const made: ScriptedObjects[] = [];
  afterEach(() => {
    for (const objects of made.splice(0)) {
      objects.close();
      rmSync(objects.root, { recursive: true, force: true });
    }
  });

  it('is created once, and keeps every object written to it while another call was still creating it', async () => {
    const objects = new ScriptedObjects();
    made.push(objects);
    const client = new S3Client({ region: 'us-east-1' });
    const keys = Array.from({ length: 8 }, (_, i) => `results/worker-${i}.json`);

    // Each command finds no bucket and creates it first, all at once.
    await Promise.all(
      keys.map((key) =>
        objects.answer(client, new PutObjectCommand({ Bucket: 'artifacts', Key: key, Body: JSON.stringify({ key }) })),
      ),
    );

    expect(objects.keys()).toEqual(keys.map((key) => `artifacts/${key}`).sort());
    for (const key of keys) {
      const out = (await objects.answer(client, new GetObjectCommand({ Bucket: 'artifacts', Key: key }))) as {
        Body: { transformToString(): Promise<string> };
      };
      expect(JSON.parse(await out.Body.transformToString())).toEqual({ key });
    }
    expect(await objects.store.createBucket('artifacts', 'us-east-1')).toBe(false);
  });

  it('answers true to exactly one of two creations of one name at once', async () => {
    const objects = new ScriptedObjects();
    made.push(objects);
    const created = await Promise.all([
      objects.store.createBucket('models', 'us-east-1'),
      objects.store.createBucket('models', 'us-east-1'),
    ]);
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(objects.store.hasBucket('models')).toBe(true);
  });
});
