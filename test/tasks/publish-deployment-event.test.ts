import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../tasks/_shared/events.ts';
import {
  DeploymentEventTypes,
  publishDeploymentEvent,
} from '../../tasks/publish-deployment-event/publish-deployment-event.ts';
import type { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, endpointArn, validInput } from './fakes.ts';

function fakeBus() {
  const events: LifecycleEvent[] = [];
  return { events, publish: async (event: LifecycleEvent) => `event-${events.push(event)}` };
}

const HEALTH = {
  invocations: 10,
  succeeded: 10,
  successRate: 1,
  latencyMs: { p50: 12, p95: 30, max: 31 },
  failures: [],
};

function succeeded(): DeploymentState {
  return deploymentState(validInput(), {
    model: { name: 'churn-000000000b', arn: 'arn:model', created: true },
    endpointConfig: { name: 'churn-0000000002', arn: 'arn:config', created: true },
    endpoint: { name: 'churn', arn: endpointArn('churn'), action: 'update', previousConfigName: 'churn-0000000001' },
    healthCheck: HEALTH,
  });
}

const healthCheckFailed = {
  Error: 'HealthCheckFailedError',
  Cause: JSON.stringify({
    errorType: 'HealthCheckFailedError',
    errorMessage: 'Health check of endpoint churn failed: 0/1 invocations succeeded',
    trace: ['HealthCheckFailedError: ...', '    at healthCheck (health-check.ts:110)'],
  }),
};

describe('publishDeploymentEvent', () => {
  it('publishes Deployment Succeeded with the versions, configs and health check of a successful deployment', async () => {
    const bus = fakeBus();

    const out = await publishDeploymentEvent(succeeded(), bus);

    expect(bus.events).toEqual([
      {
        detailType: 'Deployment Succeeded',
        detail: {
          endpointName: 'churn',
          execution: 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:deploy-churn-1',
          modelVersion: '1.4.0',
          modelName: 'churn-000000000b',
          endpointConfigName: 'churn-0000000002',
          previousEndpointConfigName: 'churn-0000000001',
          action: 'update',
          healthCheck: HEALTH,
        },
        resources: [endpointArn('churn')],
      },
    ]);
    expect(out.event).toEqual({ detailType: 'Deployment Succeeded', eventId: 'event-1' });
  });

  it('publishes Deployment Rolled Back with the original error parsed from the Lambda cause', async () => {
    const bus = fakeBus();
    const state = {
      ...succeeded(),
      error: healthCheckFailed,
      rollback: { action: 'restore' as const, completed: true },
    };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]?.detailType).toBe(DeploymentEventTypes.rolledBack);
    expect(bus.events[0]?.detail.error).toEqual({
      name: 'HealthCheckFailedError',
      message: 'Health check of endpoint churn failed: 0/1 invocations succeeded',
    });
    expect(bus.events[0]?.detail.rollback).toEqual({ action: 'restore', completed: true });
  });

  it('publishes Deployment Rolled Back when a new endpoint was deleted', async () => {
    const bus = fakeBus();
    const state = { ...succeeded(), error: healthCheckFailed, rollback: { action: 'delete' as const } };

    const out = await publishDeploymentEvent(state, bus);

    expect(out.event?.detailType).toBe('Deployment Rolled Back');
    expect(bus.events[0]?.detail).not.toHaveProperty('removedArtifacts');
  });

  it("lists the model artifacts a multi-model rollback deleted (RemovePlacedArtifacts' record)", async () => {
    const bus = fakeBus();
    const deleted = ['s3://models/mme/churn/v3-0123456789.tar.gz'];
    const state = {
      ...succeeded(),
      error: healthCheckFailed,
      rollback: { action: 'delete' as const },
      artifactRemoval: { deleted },
    };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]).toMatchObject({
      detailType: 'Deployment Rolled Back',
      detail: { removedArtifacts: deleted },
    });
  });

  it.each(['none', 'retain'] as const)('publishes Deployment Failed when the rollback action is %s', async (action) => {
    const bus = fakeBus();
    const state = { ...succeeded(), error: healthCheckFailed, rollback: { action } };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]?.detailType).toBe('Deployment Failed');
  });

  it('publishes Deployment Failed for invalid input, with the message naming the field', async () => {
    const bus = fakeBus();
    const state = deploymentState(validInput(), {
      error: {
        Error: 'InvalidInputError',
        Cause: JSON.stringify({
          errorType: 'InvalidInputError',
          errorMessage: 'Invalid input: variants[0].instanceType',
        }),
      },
    });

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]).toMatchObject({
      detailType: 'Deployment Failed',
      detail: { error: { name: 'InvalidInputError', message: 'Invalid input: variants[0].instanceType' } },
      resources: [],
    });
  });

  it('publishes Deployment Rollback Failed with both errors when the rollback failed', async () => {
    const bus = fakeBus();
    const state = {
      ...succeeded(),
      error: healthCheckFailed,
      rollback: { action: 'restore' as const, configName: 'churn-0000000001' },
      rollbackError: {
        Error: 'RollbackFailedError',
        Cause: JSON.stringify({ errorType: 'RollbackFailedError', errorMessage: 'Endpoint churn is Failed' }),
      },
    };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]?.detailType).toBe('Deployment Rollback Failed');
    expect(bus.events[0]?.detail).toMatchObject({
      error: { name: 'HealthCheckFailedError' },
      rollbackError: { name: 'RollbackFailedError', message: 'Endpoint churn is Failed' },
    });
  });

  it('reports a Step Functions error with a plain-text cause as it is', async () => {
    const bus = fakeBus();
    const state = {
      ...succeeded(),
      error: { Error: 'States.Timeout', Cause: 'Task timed out after 600.00 seconds' },
      rollback: { action: 'restore' as const },
    };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]?.detail.error).toEqual({
      name: 'States.Timeout',
      message: 'Task timed out after 600.00 seconds',
    });
  });

  it('reports an error without a cause by its name', async () => {
    const bus = fakeBus();
    const state = { ...succeeded(), error: { Error: 'States.TaskFailed' }, rollback: { action: 'none' as const } };

    await publishDeploymentEvent(state, bus);

    expect(bus.events[0]?.detail.error).toEqual({ name: 'States.TaskFailed', message: '' });
  });

  it('leaves out what the deployment never reached instead of sending nulls', async () => {
    const bus = fakeBus();

    await publishDeploymentEvent(deploymentState(validInput(), { error: { Error: 'InvalidInputError' } }), bus);

    expect(Object.keys(bus.events[0]?.detail ?? {}).sort()).toEqual([
      'endpointName',
      'error',
      'execution',
      'modelVersion',
    ]);
  });
});
