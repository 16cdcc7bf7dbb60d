/**
 * `smwf run` on the emulator it starts: a deployment's wait completes from the emulator's state change event, which the
 * stack's waits' rules route to CompleteWait, as under `smwf local start`. `attemptLocally` is what `smwf run` runs
 * (emulator, example artifacts, runner, local stack, the waits' callbacks); the execution gets a minute of heartbeat
 * here, so a wait that ends without entering its fallback state (WaitForEndpoint) ended on its event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { attemptLocally } from '../../cli/commands/run.ts';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { CONFIG_ENV } from '../../infra/deployment-config/load.ts';
import type { ExecutionEvent } from '../../local/runner/runner.ts';
import { E2E_DEPLOYMENT_CONFIG } from '../e2e/e2e-stack.ts';
import { clients, startTestEmulator } from '../local/emulator/helpers.ts';

/** A bucket the e2e stack's roles may read, holding the example linear model. */
const MODEL = 's3://e2e-models/linear-v1/model.tar.gz';
let stateDir: string;

beforeAll(async () => {
  // The state directory smwf run starts its emulator on, its S3 already holding the model.
  stateDir = mkdtempSync(join(tmpdir(), 'smwf-run-events-'));
  const emulator = await startTestEmulator({ stateDir });
  const { s3 } = clients(emulator.url);
  await s3.send(new CreateBucketCommand({ Bucket: 'e2e-models' }));
  await s3.send(
    new PutObjectCommand({
      Bucket: 'e2e-models',
      Key: 'linear-v1/model.tar.gz',
      Body: await exampleModelArchive('linear-v1'),
    }),
  );
  await emulator.stop();
  vi.stubEnv(CONFIG_ENV, E2E_DEPLOYMENT_CONFIG);
});

afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('smwf run on the emulator it starts', () => {
  it("completes a deployment's wait from the endpoint's state change event, never falling back to its poll", async () => {
    const input = {
      endpointName: 'run-from-event',
      model: { image: exampleImage('linear'), modelDataUrl: MODEL },
      variants: [{ instanceType: 'ml.m5.large' }],
      healthCheck: { samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }], invocations: 2 },
      wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
    };
    const events: ExecutionEvent[] = [];
    vi.spyOn(console, 'error').mockImplementation(() => undefined);

    const result = await attemptLocally({ stateDir, json: false, input }, (runner) =>
      runner.start('DeployEndpoint', input, { onEvent: (event) => events.push(event), heartbeatTimeMs: 60_000 }),
    );

    vi.restoreAllMocks();
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const entered = events.flatMap((e) => (e.type === 'StateEntered' && 'state' in e ? [e.state.name] : []));
    expect(entered).toContain('StartDeployment');
    expect(entered).not.toContain('WaitForEndpoint');
    expect(result.output).toMatchObject({ endpoint: { name: 'run-from-event', action: 'create' } });
  }, 60_000);
});
