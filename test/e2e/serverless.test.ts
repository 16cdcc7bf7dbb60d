/**
 * DeployEndpoint of a serverless endpoint end to end: the emulator throttles invocations beyond MaxConcurrency, and
 * the health check shows it (throttled attempts counted, each retried until served).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheckReport } from '../../contracts/parts/endpoint.ts';
import { exampleImage } from '../../examples/example-models.ts';
import { deploy, deployInput, describeEndpoint, type Harness, predict, startHarness } from './harness.ts';

/** How long the echo model holds each answer: the concurrent samples overlap on it. */
const ANSWER_MS = 100;

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('a serverless DeployEndpoint on the local emulator', () => {
  it('reports the invocations throttled beyond MaxConcurrency and passes once each is served', async () => {
    const input = deployInput('e2e-serverless', h.models['linear-v1'], {
      model: { image: exampleImage('echo'), environment: { SMWF_ECHO_DELAY_MS: String(ANSWER_MS) } },
      variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 1 } }],
      healthCheck: {
        samples: [{ contentType: 'application/json', body: '{"x":1}', expectedOutputContains: '"container":"echo"' }],
        invocations: 3,
        concurrency: 3,
      },
    });

    const result = await deploy(h, input);

    expect(result.status, result.cause).toBe('SUCCEEDED');
    const report = (result.output as { healthCheck: HealthCheckReport }).healthCheck;
    expect(report).toMatchObject({ invocations: 3, succeeded: 3, failures: [] });
    // Three at once on a MaxConcurrency of 1: the two that arrived second were throttled at least once.
    expect(report.throttled).toBeGreaterThanOrEqual(2);
    const endpoint = await describeEndpoint(h, 'e2e-serverless');
    expect(endpoint?.ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 2048,
      MaxConcurrency: 1,
    });
  });

  it('fails without changing an instance-based endpoint that an update would turn serverless', async () => {
    await deploy(h, deployInput('e2e-to-serverless', h.models['linear-v1']));
    const before = await describeEndpoint(h, 'e2e-to-serverless');

    const result = await deploy(
      h,
      deployInput('e2e-to-serverless', h.models['linear-v1'], {
        variants: [{ serverless: { memorySizeInMB: 2048, maxConcurrency: 5 } }],
      }),
    );

    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('an instance-based endpoint cannot be updated to serverless');
    const after = await describeEndpoint(h, 'e2e-to-serverless');
    expect(after).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: before?.EndpointConfigName });
    expect(await predict(h, 'e2e-to-serverless')).toBe('{"predictions":[9]}');
  });
});
