import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ROLES_PATH } from '../emulator/iam/roles.ts';
import { permissionsEnabledByEnvironment } from './permissions/enforcement.ts';
import type { SynthesizedWorkflows } from './synthesize.ts';

/**
 * Creates in the emulator what `cdk deploy` would have created and the tasks expect to exist: the stack's
 * buckets (the artifact bucket PackageModel writes to by default), its tables (the wait records, with their time to
 * live), and its IAM roles with their policies, registered
 * so that what SageMaker does with the execution role is checked (none when `permissions` is false: an experiment
 * without checks). Safe to repeat.
 */
export async function provisionLocalStack(
  workflows: SynthesizedWorkflows,
  options: { readonly permissions?: boolean } = {},
): Promise<void> {
  const s3 = new S3Client({ forcePathStyle: true });
  for (const bucket of workflows.bucketNames) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
  }
  const dynamodb = new DynamoDBClient({});
  for (const table of workflows.tables) {
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: table.name,
          KeySchema: [{ AttributeName: table.partitionKey, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: table.partitionKey, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const ttl = table.timeToLiveAttribute;
    if (ttl === undefined) continue;
    // The table's time to live, as CloudFormation enables it; once is enough (UpdateTimeToLive refuses a repeat).
    const { TimeToLiveDescription: current } = await dynamodb.send(
      new DescribeTimeToLiveCommand({ TableName: table.name }),
    );
    if (current?.TimeToLiveStatus !== 'ENABLED' || current.AttributeName !== ttl) {
      await dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: table.name,
          TimeToLiveSpecification: { AttributeName: ttl, Enabled: true },
        }),
      );
    }
  }
  const roles = (options.permissions ?? permissionsEnabledByEnvironment()) ? Object.values(workflows.roles) : [];
  await registerRoles(roles.map(({ arn, statements }) => ({ arn, statements })));
}

/** Registers `roles` with the emulator at AWS_ENDPOINT_URL (its own route, local/emulator/server.ts ROLES_PATH). */
async function registerRoles(roles: readonly { arn: string; statements: readonly unknown[] }[]): Promise<void> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined) throw new Error('AWS_ENDPOINT_URL names no local emulator to register the roles with');
  const response = await putJson(new URL(ROLES_PATH, endpoint), JSON.stringify({ roles }));
  if (response.status < 200 || response.status > 299) {
    throw new Error(`The emulator refused the stack's roles (${response.status}): ${response.text}`);
  }
}

/**
 * PUTs a JSON body and reads the answer, with node:http (fetch would first load undici, its HTTP parser and web
 * streams: about 0.5 CPU-seconds of each local run, for this one request).
 */
function putJson(url: URL, body: string): Promise<{ status: number; text: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const sent = request(
      url,
      {
        method: 'PUT',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** The stack's artifact bucket in local runs: where packages go by default and the steps' roles reach. */
export function artifactBucketName(workflows: SynthesizedWorkflows): string {
  for (const fn of workflows.functions.values()) {
    const name = fn.environment.ARTIFACT_BUCKET_NAME;
    if (name !== undefined) return name;
  }
  throw new Error('The synthesized stack names no artifact bucket (no function reads ARTIFACT_BUCKET_NAME)');
}
