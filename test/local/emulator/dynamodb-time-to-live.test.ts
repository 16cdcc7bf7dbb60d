/**
 * The emulator's DynamoDB time to live, through the real DynamoDB client: the local stack enables it on the wait records
 * table as the template says, expired items are deleted, the others (not yet expired, not a Number, more than five
 * years past, no time to live) stay, and UpdateTimeToLive refuses what DynamoDB refuses.
 */
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WAIT_RECORD_KEY_ATTRIBUTE, WAIT_RECORD_TTL_ATTRIBUTE } from '../../../contracts/task-tokens.ts';
import type { Emulator } from '../../../local/emulator/index.ts';
import { useLocalEmulator } from '../../../local/runner/local-aws-env.ts';
import { provisionLocalStack } from '../../../local/runner/local-stack.ts';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../../local/runner/synthesize.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from '../../e2e/e2e-stack.ts';
import { startTestEmulator } from './helpers.ts';

let emulator: Emulator & { stateDir: string };
let dynamodb: DynamoDBClient;
let workflows: SynthesizedWorkflows;
let table: string;

const key = WAIT_RECORD_KEY_ATTRIBUTE;
const nowSeconds = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  emulator = await startTestEmulator();
  useLocalEmulator(emulator.url);
  dynamodb = new DynamoDBClient({});
  workflows = await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
  const waitRecords = workflows.tables.find((t) => t.timeToLiveAttribute !== undefined);
  table = waitRecords?.name ?? '';
  // Twice: provisioning is safe to repeat, though UpdateTimeToLive refuses a second change within the hour.
  await provisionLocalStack(workflows, { permissions: false });
  await provisionLocalStack(workflows, { permissions: false });
});

afterAll(async () => {
  await emulator?.stop();
});

async function put(name: string, extra: Record<string, unknown> = {}) {
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: { [key]: { S: name }, ...extra } as never }));
}

async function exists(name: string): Promise<boolean> {
  const out = await dynamodb.send(new GetItemCommand({ TableName: table, Key: { [key]: { S: name } } }));
  return out.Item !== undefined;
}

describe('DynamoDB time to live', () => {
  it("is enabled on the wait records table by the local stack, on the template's attribute", async () => {
    const out = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));

    expect(table).not.toBe('');
    expect(out.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: WAIT_RECORD_TTL_ATTRIBUTE,
    });
  });

  it('deletes expired items, and keeps the unexpired, those of another type and those over five years past', async () => {
    const ttl = WAIT_RECORD_TTL_ATTRIBUTE;
    await put('expired', { [ttl]: { N: String(nowSeconds() - 60) } });
    await put('later', { [ttl]: { N: String(nowSeconds() + 3600) } });
    await put('a-string', { [ttl]: { S: String(nowSeconds() - 60) } });
    await put('six-years-past', { [ttl]: { N: String(nowSeconds() - 6 * 366 * 24 * 3600) } });
    await put('no-expiry');

    expect(await exists('expired')).toBe(false);
    expect(await exists('later')).toBe(true);
    expect(await exists('a-string')).toBe(true);
    expect(await exists('six-years-past')).toBe(true);
    expect(await exists('no-expiry')).toBe(true);
  });

  it('refuses to enable it again, to disable it under another name, and a second change within the hour', async () => {
    const update = (AttributeName: string, Enabled: boolean) =>
      dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName, Enabled } }),
      );

    await expect(update(WAIT_RECORD_TTL_ATTRIBUTE, true)).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'TimeToLive is already enabled',
    });
    await expect(update('other', false)).rejects.toMatchObject({
      name: 'ValidationException',
      message: `TimeToLive is active on a different AttributeName: current AttributeName is ${WAIT_RECORD_TTL_ATTRIBUTE}`,
    });
    await expect(update(WAIT_RECORD_TTL_ATTRIBUTE, false)).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Time to live has been modified multiple times within a fixed interval',
    });
    expect((await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: WAIT_RECORD_TTL_ATTRIBUTE,
    });
  });

  it('names the field a TimeToLiveSpecification lacks', async () => {
    await expect(
      dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: '', Enabled: true },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'timeToLiveSpecification.attributeName'"),
    });
  });
});
