/**
 * What the lifecycle events say of the endpoint's lease: a run that gave up waiting names the holder (deployments,
 * registry decisions, multi-model changes), a run that took the lease over names whom from, and a run that simply
 * held it says nothing of it.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointLease } from '../../contracts/endpoint-lease.ts';
import { deploymentEvent } from '../../tasks/publish-deployment-event/publish-deployment-event.ts';
import { modelEvent } from '../../tasks/publish-model-event/publish-model-event.ts';
import { modelPackageEvent } from '../../tasks/publish-model-package-event/publish-model-package-event.ts';
import { deploymentState, validInput } from './fakes.ts';

const HOLDER = 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v1';
const EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:churn-v2',
  name: 'churn-v2',
  startedAt: '2026-11-25T10:00:00.000Z',
};
const gaveUp = {
  Error: 'EndpointBusyError',
  Cause: JSON.stringify({
    errorType: 'EndpointBusyError',
    errorMessage: `Endpoint churn is being changed by another deployment: its lease is held by DeployEndpoint execution ${HOLDER}, holding it for 2 min 0 s; this run does not wait (lease.waitMinutes is 0) and changed nothing`,
  }),
};
const waited: EndpointLease = {
  endpointName: 'churn',
  workflow: 'DeployEndpoint',
  waitMinutes: 0,
  acquired: false,
  holder: {
    executionArn: HOLDER,
    workflow: 'DeployEndpoint',
    takenAt: '2026-11-25T09:58:00.000Z',
    heldSeconds: 120,
    etag: '"e1"',
    status: 'RUNNING',
  },
};
const heldBy = {
  executionArn: HOLDER,
  workflow: 'DeployEndpoint',
  takenAt: '2026-11-25T09:58:00.000Z',
  heldSeconds: 120,
  status: 'RUNNING',
};

describe('lifecycle events and the lease', () => {
  it('name the holder when a deployment gave up waiting, and nothing it did not create', () => {
    const event = deploymentEvent(
      deploymentState(validInput(), { error: gaveUp, rollback: { action: 'none' }, lease: waited }),
    );

    expect(event.detailType).toBe('Deployment Failed');
    expect(event.detail).toMatchObject({ error: { name: 'EndpointBusyError' }, lease: { heldBy } });
    expect(event.detail).not.toHaveProperty('modelName');
  });

  it('name whom a deployment took the lease over from, and say nothing of a lease simply held', () => {
    const takenOver = {
      from: { executionArn: HOLDER, workflow: 'DeployEndpoint', takenAt: '2026-11-25T09:58:00.000Z', heldSeconds: 3 },
      reason: 'not-running' as const,
      status: 'ABORTED',
    };
    const base = { endpointName: 'churn', workflow: 'DeployEndpoint', waitMinutes: 60, acquired: true, released: true };

    const over = deploymentEvent(deploymentState(validInput(), { lease: { ...base, takenOver } }));
    const plain = deploymentEvent(deploymentState(validInput(), { lease: base }));

    expect(over.detail).toMatchObject({ lease: { takenOverFrom: takenOver } });
    expect(plain.detail).not.toHaveProperty('lease');
  });

  it('name the holder when a registry decision gave up waiting for the endpoint', () => {
    const event = modelPackageEvent({
      request: {
        event: {
          detail: {
            ModelPackageGroupName: 'churn',
            ModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/2',
            ModelApprovalStatus: 'Approved',
          },
        },
        deployment: { endpointName: 'churn' },
      },
      execution: EXECUTION,
      resolution: { outcome: 'deploy', approvalStatus: 'Approved' },
      error: gaveUp,
      lease: waited,
    });

    expect(event.detailType).toBe('Model Package Not Deployed');
    expect(event.detail).toMatchObject({ outcome: 'deploy', error: { name: 'EndpointBusyError' }, lease: { heldBy } });
  });

  it('name the holder when a multi-model change gave up waiting', () => {
    const event = modelEvent({
      request: { endpointName: 'churn', model: { name: 'apac' } },
      execution: EXECUTION,
      error: gaveUp,
      lease: waited,
    });

    expect(event.detailType).toBe('Model Add Failed');
    expect(event.detail).toMatchObject({ error: { name: 'EndpointBusyError' }, lease: { heldBy } });
  });
});
