import { beforeEach, describe, expect, it } from 'vitest';
import type { WaitProgress } from '../../contracts/contract-parts.ts';
import { DeploymentTimeoutError } from '../../contracts/errors.ts';
import { getEndpointStatus } from '../../tasks/get-endpoint-status/get-endpoint-status.ts';
import type { DeploymentState } from '../../workflows/deploy-endpoint/contract.ts';
import { deploymentState, FakeSageMaker, validInput } from './fakes.ts';

const START = Date.parse('2025-03-01T12:00:00.000Z');
const WAIT_POLICY = { initialIntervalSeconds: 10, maxIntervalSeconds: 60, timeoutMinutes: 30 };

function stateWaiting(wait: WaitProgress = { attempt: 0, seconds: 10, deadline: '2025-03-01T12:30:00.000Z' }) {
  return deploymentState(validInput({ wait: WAIT_POLICY }), { wait });
}

describe('getEndpointStatus', () => {
  let sagemaker: FakeSageMaker;
  let now: number;
  const deps = () => ({ sagemaker, now: () => new Date(now) });

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
    now = START;
  });

  it('reports a settled InService endpoint with the config it serves', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-0000000002' });
    const state = stateWaiting();

    const out = await getEndpointStatus(state, deps());

    expect(out.endpointStatus).toEqual({ status: 'InService', settled: true, configName: 'churn-0000000002' });
    expect(out.wait).toEqual(state.wait);
  });

  it('reports a Failed endpoint as settled, with its failure reason', async () => {
    sagemaker.putEndpoint({
      name: 'churn',
      status: 'Failed',
      configName: 'churn-0000000002',
      failureReason: 'ping failed',
    });

    const out = await getEndpointStatus(stateWaiting(), deps());

    expect(out.endpointStatus).toEqual({
      status: 'Failed',
      settled: true,
      configName: 'churn-0000000002',
      failureReason: 'ping failed',
    });
  });

  it("reports an endpoint that does not exist as settled and 'Deleted'", async () => {
    const out = await getEndpointStatus(stateWaiting(), deps());

    expect(out.endpointStatus).toEqual({ status: 'Deleted', settled: true });
  });

  it('doubles the wait after each poll of a busy endpoint, capped at the maximum', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Updating', configName: 'churn-0000000001' });
    let state: DeploymentState = stateWaiting();
    const waits: number[] = [];

    for (let poll = 0; poll < 5; poll++) {
      state = await getEndpointStatus(state, deps());
      waits.push(state.wait?.seconds ?? 0);
      now += (state.wait?.seconds ?? 0) * 1000;
    }

    expect(waits).toEqual([20, 40, 60, 60, 60]);
    expect(state.endpointStatus).toEqual({ status: 'Updating', settled: false, configName: 'churn-0000000001' });
    expect(state.wait?.attempt).toBe(5);
    expect(state.wait?.deadline).toBe('2025-03-01T12:30:00.000Z');
  });

  it('never waits past the deadline', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Creating' });
    now = Date.parse('2025-03-01T12:29:45.000Z');

    const out = await getEndpointStatus(
      stateWaiting({ attempt: 3, seconds: 60, deadline: '2025-03-01T12:30:00.000Z' }),
      deps(),
    );

    expect(out.wait?.seconds).toBe(15);
  });

  it('raises DeploymentTimeoutError when the endpoint is still busy at the deadline', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Creating' });
    now = Date.parse('2025-03-01T12:30:00.000Z');

    const result = getEndpointStatus(stateWaiting(), deps());

    await expect(result).rejects.toThrow(DeploymentTimeoutError);
    await expect(result).rejects.toThrow(
      'Endpoint churn is still Creating after 30 minutes (deadline 2025-03-01T12:30:00.000Z)',
    );
  });

  it('reports a settled endpoint even after the deadline', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-0000000002' });
    now = Date.parse('2025-03-01T13:00:00.000Z');

    const out = await getEndpointStatus(stateWaiting(), deps());

    expect(out.endpointStatus?.settled).toBe(true);
  });

  it('reports a deleting endpoint as not settled, so the rollback waits for it to disappear', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Deleting', configName: 'churn-0000000002' });

    const out = await getEndpointStatus(stateWaiting(), deps());

    expect(out.endpointStatus).toMatchObject({ status: 'Deleting', settled: false });
    expect(out.wait?.seconds).toBe(20);
  });
});
