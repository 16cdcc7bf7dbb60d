/**
 * DeployEndpoint end to end: the synthesized definition, the local runner, the real handlers and the local
 * emulator hosting real model processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deploy,
  deployInput,
  describeEndpoint,
  type Harness,
  IMAGE,
  predict,
  resourcesOf,
  startHarness,
} from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const eventTypes = async (endpointName: string) =>
  (await h.emulator.readEvents())
    .filter((e) => e.source === 'sagemaker-workflows' && JSON.stringify(e.detail).includes(`"${endpointName}"`))
    .map((e) => e['detail-type']);

describe('DeployEndpoint on the local emulator', () => {
  // Each scenario has an endpoint of its own, so they run at once: the /ping windows the failing ones wait out
  // overlap the others' work instead of adding up.
  describe.concurrent('independent scenarios', () => {
    it('deploys a new endpoint that serves the model', async () => {
      const result = await deploy(h, deployInput('e2e-first', h.models['linear-v1']));

      expect(result.status).toBe('SUCCEEDED');
      expect((await describeEndpoint(h, 'e2e-first'))?.EndpointStatus).toBe('InService');
      expect(await predict(h, 'e2e-first')).toBe('{"predictions":[9]}');
      expect(await eventTypes('e2e-first')).toEqual(['Deployment Succeeded']);
    });

    it('updates the endpoint while a concurrent invoker sees no errors', async () => {
      await deploy(h, deployInput('e2e-update', h.models['linear-v1']));
      let running = true;
      let errors = 0;
      const answers = new Set<string>();
      const invoker = (async () => {
        while (running) {
          try {
            answers.add(await predict(h, 'e2e-update'));
          } catch {
            errors += 1;
          }
        }
      })();

      const result = await deploy(h, deployInput('e2e-update', h.models['linear-v2']));
      running = false;
      await invoker;

      expect(result.status).toBe('SUCCEEDED');
      expect(errors).toBe(0);
      expect(answers.has('{"predictions":[9]}')).toBe(true);
      expect(await predict(h, 'e2e-update')).toBe('{"predictions":[9.5]}');
    });

    it('rolls back to the previous config when the new release fails its health check', async () => {
      await deploy(h, deployInput('e2e-rollback', h.models['linear-v2']));
      const before = (await describeEndpoint(h, 'e2e-rollback'))?.EndpointConfigName;

      const result = await deploy(h, deployInput('e2e-rollback', h.models['linear-v3-broken']));

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('HealthCheckFailedError');
      expect(result.cause).toContain('expected 3 features, got 2');
      const after = await describeEndpoint(h, 'e2e-rollback');
      expect(after?.EndpointStatus).toBe('InService');
      expect(after?.EndpointConfigName).toBe(before);
      expect(await predict(h, 'e2e-rollback')).toBe('{"predictions":[9.5]}');
      expect((await resourcesOf(h, 'e2e-rollback')).configs).toEqual([before]);
      expect(await eventTypes('e2e-rollback')).toEqual(['Deployment Succeeded', 'Deployment Rolled Back']);
    });

    it('deletes a first endpoint whose container never answers /ping, failing with its log in the cause', async () => {
      const input = deployInput('e2e-never-ready', h.models['linear-v1'], {
        model: {
          image: IMAGE,
          modelDataUrl: h.models['linear-v1'],
          environment: { SMWF_EXAMPLE_FAULT: 'never-ready' },
        },
      });

      const result = await deploy(h, input);

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('EndpointFailedError');
      expect(result.cause).toMatch(/ping/i);
      expect(result.cause).toContain('never-ready');
      expect(await describeEndpoint(h, 'e2e-never-ready')).toBeUndefined();
      expect(await resourcesOf(h, 'e2e-never-ready')).toEqual({ models: [], configs: [], endpoints: [] });
    });

    it('fails with DeploymentRolledBackError when the platform rolls an update back on its own', async () => {
      await deploy(h, deployInput('e2e-silent', h.models['linear-v1']));
      const before = (await describeEndpoint(h, 'e2e-silent'))?.EndpointConfigName;
      const input = deployInput('e2e-silent', h.models['linear-v2'], {
        model: {
          image: IMAGE,
          modelDataUrl: h.models['linear-v2'],
          environment: { SMWF_EXAMPLE_FAULT: 'never-ready' },
        },
      });

      const result = await deploy(h, input);

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('DeploymentRolledBackError');
      const after = await describeEndpoint(h, 'e2e-silent');
      expect(after?.EndpointConfigName).toBe(before);
      expect(after?.FailureReason).toBeTruthy();
      expect(await eventTypes('e2e-silent')).toEqual(['Deployment Succeeded', 'Deployment Rolled Back']);
    });

    it('rejects bad input at the first state and creates nothing', async () => {
      const result = await deploy(h, deployInput('e2e-bad-input', h.models['linear-v1'], { retainVersions: 0 }));

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('InvalidInputError');
      expect(result.cause).toContain('retainVersions');
      expect(await resourcesOf(h, 'e2e-bad-input')).toEqual({ models: [], configs: [], endpoints: [] });
    });

    it('creates one set of resources when the same execution is started twice', async () => {
      const input = deployInput('e2e-twice', h.models['linear-v1']);
      const first = h.runner.start('DeployEndpoint', input, { name: 'e2e-twice-1' });
      const second = h.runner.start('DeployEndpoint', input, { name: 'e2e-twice-1' });

      const [a, b] = await Promise.all([first.result, second.result]);

      expect(a.status).toBe('SUCCEEDED');
      expect(b).toBe(a);
      const resources = await resourcesOf(h, 'e2e-twice');
      expect(resources.models).toHaveLength(1);
      expect(resources.configs).toHaveLength(1);
      expect(resources.endpoints).toEqual(['e2e-twice']);
    });
  });

  // Alone, after them: the faults apply to every SageMaker call of the emulator.
  it('succeeds while 30% of SageMaker calls are throttled', async () => {
    h.emulator.setFaults({
      seed: 7,
      throttle: {
        rate: 0.3,
        operations: [
          'CreateModel',
          'DescribeModel',
          'CreateEndpointConfig',
          'DescribeEndpointConfig',
          'CreateEndpoint',
          'DescribeEndpoint',
          'UpdateEndpoint',
          'AddTags',
          'ListTags',
          'ListEndpointConfigs',
          'ListModels',
        ],
      },
    });
    try {
      const result = await deploy(h, deployInput('e2e-throttled', h.models['linear-v1']));

      expect(result.status).toBe('SUCCEEDED');
    } finally {
      h.emulator.setFaults({});
    }
    expect((await describeEndpoint(h, 'e2e-throttled'))?.EndpointStatus).toBe('InService');
  });
});
