/**
 * Local IAM end to end: a step whose registration lacks an action it calls fails as it would on AWS, with
 * AccessDeniedException naming the action, and creates nothing. The gaps are introduced in a fixture (the
 * end-to-end stack with one grant taken out of one step's role policy, as a registration without that action
 * synthesizes it), never in the real registry.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSynthesizedWorkflows, type SynthesizedWorkflows } from '../../local/runner/synthesize.ts';
import { E2E_DEPLOYMENT_CONFIG, E2E_IDENTITY } from './e2e-stack.ts';
import { type Harness, IMAGE, resourcesOf, startHarness } from './harness.ts';

/** `workflows` with `action` taken out of the role policy of `task`'s function. */
function withoutGrant(workflows: SynthesizedWorkflows, task: string, action: string): SynthesizedWorkflows {
  const fn = [...workflows.functions.values()].find((f) => f.task === task);
  const role = fn?.roleArn === undefined ? undefined : workflows.roles[fn.roleArn];
  if (role === undefined) throw new Error(`no role for ${task}`);
  const statements = role.statements.flatMap((statement) => {
    const actions = [statement.Action ?? []].flat().filter((a) => a !== action);
    return actions.length === 0 ? [] : [{ ...statement, Action: actions }];
  });
  if (statements.length === role.statements.length && JSON.stringify(statements).includes(`"${action}"`)) {
    throw new Error(`${task} is not granted ${action}`);
  }
  return { ...workflows, roles: { ...workflows.roles, [role.arn]: { ...role, statements } } };
}

/** Lambda's error document, the Cause Step Functions reports for a failed task. */
const errorMessage = (cause: string | undefined) =>
  (JSON.parse(cause ?? '{}') as { errorMessage?: string }).errorMessage;

const PRINCIPAL = (role: string, fn: string) => `arn:aws:sts::123456789012:assumed-role/${role}/${fn}`;

let h: Harness;
let e2e: SynthesizedWorkflows;

function identityOf(workflows: SynthesizedWorkflows, task: string) {
  const fn = [...workflows.functions.values()].find((f) => f.task === task);
  const role = workflows.roles[fn?.roleArn ?? ''];
  return PRINCIPAL(role?.name ?? '', fn?.logicalId ?? '');
}

beforeAll(async () => {
  e2e = await loadSynthesizedWorkflows(E2E_IDENTITY, { deploymentConfig: E2E_DEPLOYMENT_CONFIG });
  h = await startHarness(8, {
    workflows: withoutGrant(withoutGrant(e2e, 'CreateModel', 'sagemaker:CreateModel'), 'PackageModel', 's3:ListBucket'),
  });
});

afterAll(async () => {
  await h?.close();
});

describe('a step whose registration lacks an action it calls', () => {
  it('fails CreateModel with AccessDeniedException naming sagemaker:CreateModel and the model, creating nothing', async () => {
    const input = { endpointName: 'denied', model: { image: IMAGE, modelDataUrl: h.models['linear-v1'] } };

    const result = await h.runner.start('CreateModel', input).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AccessDeniedException');
    expect(errorMessage(result.cause)).toMatch(
      new RegExp(
        `^User: ${identityOf(e2e, 'CreateModel')} is not authorized to perform: sagemaker:CreateModel on resource: ` +
          'arn:aws:sagemaker:us-east-1:123456789012:model/denied-[0-9a-f]{10} because no identity-based policy ' +
          'allows the sagemaker:CreateModel action$',
      ),
    );
    expect((await resourcesOf(h, 'denied')).models).toEqual([]);
  });

  it("fails PackageModel with S3's AccessDenied naming s3:ListBucket and the bucket, writing nothing", async () => {
    await h.s3.send(new PutObjectCommand({ Bucket: 'e2e-models', Key: 'denied/src/weights.json', Body: '{}' }));

    const result = await h.runner.start('PackageModel', {
      source: 's3://e2e-models/denied/src',
      framework: 'custom',
      output: 's3://e2e-models/denied/out/',
    }).result;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AccessDenied');
    expect(errorMessage(result.cause)).toBe(
      `User: ${identityOf(e2e, 'PackageModel')} is not authorized to perform: s3:ListBucket on resource: ` +
        '"arn:aws:s3:::e2e-models" because no identity-based policy allows the s3:ListBucket action',
    );
  });
});
