import { beforeEach, describe, expect, it } from 'vitest';
import { DeploymentRolledBackError, EndpointFailedError, ForeignEndpointChangeError } from '../../contracts/errors.ts';
import { verifyDeployment } from '../../tasks/verify-deployment/verify-deployment.ts';
import { deploymentState, endpointConfigArn, FakeSageMaker, validInput } from './fakes.ts';

const OLD_CONFIG = 'churn-0000000001';
const NEW_CONFIG = 'churn-0000000002';

function stateAfterWait() {
  return deploymentState(validInput(), {
    endpointConfig: { name: NEW_CONFIG, arn: endpointConfigArn(NEW_CONFIG), created: true },
    endpoint: { name: 'churn', arn: 'arn:endpoint', action: 'update', previousConfigName: OLD_CONFIG },
  });
}

describe('verifyDeployment', () => {
  let sagemaker: FakeSageMaker;

  beforeEach(() => {
    sagemaker = new FakeSageMaker();
  });

  it('accepts an endpoint InService on the new config', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: NEW_CONFIG });

    const out = await verifyDeployment(stateAfterWait(), { sagemaker });

    expect(out.endpointStatus).toEqual({ status: 'InService', settled: true, configName: NEW_CONFIG });
  });

  it('treats an endpoint SageMaker rolled back silently as DeploymentRolledBackError with its reason', async () => {
    sagemaker.putEndpoint({
      name: 'churn',
      status: 'InService',
      configName: OLD_CONFIG,
      failureReason: 'Request to service failed. If failure persists after retry, contact customer support.',
    });

    const result = verifyDeployment(stateAfterWait(), { sagemaker });

    await expect(result).rejects.toThrow(DeploymentRolledBackError);
    await expect(result).rejects.toThrow(
      `Endpoint churn is InService on ${OLD_CONFIG}, not on ${NEW_CONFIG}; SageMaker rolled the update back: ` +
        'Request to service failed. If failure persists after retry, contact customer support.',
    );
  });

  it('raises EndpointFailedError with the reason when the endpoint ended Failed', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'Failed', configName: NEW_CONFIG, failureReason: 'ping timed out' });

    const result = verifyDeployment(stateAfterWait(), { sagemaker });

    await expect(result).rejects.toThrow(EndpointFailedError);
    await expect(result).rejects.toThrow(
      `Endpoint churn is Failed, expected InService on ${NEW_CONFIG}: ping timed out`,
    );
  });

  it('tells a foreign change from a silent rollback: InService on a third config is ForeignEndpointChangeError', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: 'churn-by-hand' });

    const result = verifyDeployment(stateAfterWait(), { sagemaker });

    await expect(result).rejects.toThrow(ForeignEndpointChangeError);
    await expect(result).rejects.toThrow(
      `Endpoint churn is InService on churn-by-hand, which is neither this deployment's config (${NEW_CONFIG}) nor the one it served before (${OLD_CONFIG})`,
    );
  });

  it('reads the previous config without a FailureReason as a foreign change, not as SageMaker rolling back', async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });

    await expect(verifyDeployment(stateAfterWait(), { sagemaker })).rejects.toMatchObject({
      name: 'ForeignEndpointChangeError',
    });
  });

  it("reads a new endpoint InService on another run's config as a foreign change", async () => {
    sagemaker.putEndpoint({ name: 'churn', status: 'InService', configName: OLD_CONFIG });
    const created = deploymentState(validInput(), {
      endpointConfig: { name: NEW_CONFIG, arn: endpointConfigArn(NEW_CONFIG), created: true },
      endpoint: { name: 'churn', arn: 'arn:endpoint', action: 'create' },
    });

    await expect(verifyDeployment(created, { sagemaker })).rejects.toMatchObject({
      name: 'ForeignEndpointChangeError',
    });
  });

  it('raises ForeignEndpointChangeError when the endpoint was deleted meanwhile', async () => {
    const result = verifyDeployment(stateAfterWait(), { sagemaker });

    await expect(result).rejects.toMatchObject({
      name: 'ForeignEndpointChangeError',
      message: 'Endpoint churn no longer exists: it was deleted by something other than this deployment while it ran',
    });
  });
});
