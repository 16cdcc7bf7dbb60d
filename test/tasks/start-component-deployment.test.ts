import { describe, expect, it } from 'vitest';
import type { InferenceComponentGateway } from '../../tasks/_shared/inference-components.ts';
import { startComponentDeployment } from '../../tasks/start-component-deployment/start-component-deployment.ts';
import { DeployInferenceComponentInput } from '../../workflows/deploy-inference-component/contract.ts';
import { deployInferenceComponent } from '../../workflows/deploy-inference-component/workflow.ts';

const EXECUTION = { id: 'arn:aws:states:us-east-1:123456789012:execution:x:run-1', name: 'run-1', startedAt: '' };

/** Components in memory; a create whose name is taken is refused as SageMaker refuses it. */
function components(createAnswerLost: boolean) {
  const stored = new Map<
    string,
    { endpointName: string; specification: Parameters<InferenceComponentGateway['createComponent']>[2]; copies: number }
  >();
  let creates = 0;
  const gateway: InferenceComponentGateway = {
    async describeComponent(name) {
      const found = stored.get(name);
      return found === undefined
        ? undefined
        : {
            name,
            arn: `arn:aws:sagemaker:us-east-1:123456789012:inference-component/${name}`,
            endpointName: found.endpointName,
            status: 'Creating',
            specification: found.specification,
            desiredCopyCount: found.copies,
            currentCopyCount: 0,
          };
    },
    async createComponent(name, endpointName, specification, copyCount) {
      creates += 1;
      if (stored.has(name)) {
        throw new Error(`Cannot create already existing inference component "arn:...:inference-component/${name}".`);
      }
      stored.set(name, { endpointName, specification, copies: copyCount });
      // The connection was reset before the answer came; the SDK's retry of the create meets the component it made.
      if (createAnswerLost) return gateway.createComponent(name, endpointName, specification, copyCount, {});
      return `arn:aws:sagemaker:us-east-1:123456789012:inference-component/${name}`;
    },
    async updateComponent() {},
    async deleteComponent() {
      return true;
    },
    async listComponents() {
      return [];
    },
  };
  return { gateway, creates: () => creates };
}

describe('startComponentDeployment', () => {
  const state = () => ({
    request: DeployInferenceComponentInput.parse(deployInferenceComponent.example),
    execution: EXECUTION,
  });

  it('creates a component that does not exist', async () => {
    const { gateway, creates } = components(false);

    const out = await startComponentDeployment(state(), { components: gateway, now: () => new Date(0) });

    expect(out.component).toEqual({ action: 'created' });
    expect(creates()).toBe(1);
  });

  it('counts as created the component its create made when the answer was lost and the retried create found it', async () => {
    const { gateway, creates } = components(true);

    const out = await startComponentDeployment(state(), { components: gateway, now: () => new Date(0) });

    expect(out.component).toEqual({ action: 'created' });
    expect(creates()).toBe(2);
    expect((await gateway.describeComponent('churn-predictor'))?.endpointName).toBe('shared-models');
  });
});
