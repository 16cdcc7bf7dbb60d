/**
 * The Model Registry event dispatcher: which events start DeployApprovedModelPackage, under which execution
 * name, and what a repeated event does. The handler runs with the real SFN client, whose `send`
 * aws-sdk-client-mock replaces.
 */
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../tasks/_shared/logger.ts';
import { executionNameOf } from '../../triggers/model-package-events/dispatch.ts';
import { handler } from '../../triggers/model-package-events/handler.ts';
import { deployApprovedModelPackage } from '../../workflows/deploy-approved-model-package/workflow.ts';

const sfn = mockClient(SFNClient);
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:DeployApprovedModelPackage';
const { event: EVENT, deployment: DEPLOYMENT } = deployApprovedModelPackage.example;

/** The example event with `detail` members replaced. */
const eventWith = (detail: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  ...EVENT,
  ...top,
  detail: { ...EVENT.detail, ...detail },
});

const detailOf = (detail: Record<string, unknown> = {}) =>
  eventWith(detail).detail as Parameters<typeof executionNameOf>[0];

beforeEach(() => {
  sfn.reset();
  vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE);
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('executionNameOf', () => {
  it('derives the same name from the same decision, within Step Functions name rules', () => {
    const name = executionNameOf(detailOf());

    expect(executionNameOf(detailOf())).toBe(name);
    expect(name).toMatch(/^churn-v1-approved-[0-9a-f]{16}$/);
  });

  it('names an approval and a rejection of the same package differently', () => {
    expect(executionNameOf(detailOf({ ModelApprovalStatus: 'Rejected' }))).not.toBe(executionNameOf(detailOf()));
  });

  it('names a later decision on the same package (a new LastModifiedTime) differently', () => {
    expect(executionNameOf(detailOf({ LastModifiedTime: '2026-11-26T08:00:00Z' }))).not.toBe(
      executionNameOf(detailOf()),
    );
  });

  it('names the same group and version of another account differently', () => {
    const other = 'arn:aws:sagemaker:us-east-1:210987654321:model-package/churn/1';
    expect(executionNameOf(detailOf({ ModelPackageArn: other }))).not.toBe(executionNameOf(detailOf()));
  });

  it('keeps a long group name within 80 characters, keeping the version, status and hash', () => {
    const group = `g${'-x'.repeat(31)}`;
    const name = executionNameOf(
      detailOf({
        ModelPackageGroupName: group,
        ModelPackageVersion: 123456,
        ModelPackageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/123456`,
      }),
    );

    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9-_]+-v123456-approved-[0-9a-f]{16}$/);
  });
});

describe('ModelPackageEvents handler', () => {
  it('starts DeployApprovedModelPackage with the event and the group settings, named after the decision', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE}:x`, startDate: new Date() });

    const result = await handler({ group: 'churn', event: EVENT, deployment: DEPLOYMENT });

    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.args[0].input;
    expect(sent?.stateMachineArn).toBe(STATE_MACHINE);
    expect(sent?.name).toBe(executionNameOf(detailOf()));
    expect(JSON.parse(sent?.input ?? '{}')).toEqual({ event: EVENT, deployment: DEPLOYMENT });
    expect(result).toEqual({ action: 'started', executionName: sent?.name, executionArn: `${STATE_MACHINE}:x` });
  });

  it('reports a duplicate when an execution of that name exists, and starts nothing else', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    const result = await handler({ group: 'churn', event: EVENT, deployment: DEPLOYMENT });

    expect(result).toEqual({ action: 'duplicate', executionName: executionNameOf(detailOf()) });
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining('Duplicate event'), expect.anything());
  });

  it.each([
    ['a creation event pending approval', eventWith({ ModelApprovalStatus: 'PendingManualApproval' })],
    ['an event of another group', eventWith({ ModelPackageGroupName: 'fraud' })],
    ['an event of another detail-type', eventWith({}, { 'detail-type': 'SageMaker Model State Change' })],
    ['an event from another source', eventWith({}, { source: 'aws.s3' })],
  ])('starts nothing for %s', async (_case, event) => {
    const result = await handler({ group: 'churn', event, deployment: DEPLOYMENT });

    expect(result.action).toBe('ignored');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lets other Step Functions errors fail the invocation (EventBridge retries, then the dead-letter queue)', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(handler({ group: 'churn', event: EVENT, deployment: DEPLOYMENT })).rejects.toThrow('Rate exceeded');
  });
});
