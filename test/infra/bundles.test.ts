/**
 * Lambda bundles stay lean, and work: every function the stack deploys, bundled exactly as NodejsFunction
 * bundles it (infra/bundling.ts), fits its size budget (sizes only: they are deterministic; load times are in
 * `npm run bench`), and bundled steps run against the emulator with the credentials Lambda gives them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, type BuiltBundle, buildLambdaBundles, lambdaEntries } from '../../infra/bundling.ts';
import { type Emulator, startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';

const outdir = mkdtempSync(join(tmpdir(), 'smwf-bundles-'));
const entries = await lambdaEntries();
let bundles: Map<string, BuiltBundle>;
let emulator: Emulator;

beforeAll(async () => {
  bundles = new Map((await buildLambdaBundles(entries, outdir)).map((bundle) => [bundle.task, bundle]));
  emulator = await startEmulator({ port: 0, stateDir: join(outdir, 'emulator') });
  useLocalEmulator(emulator.url);
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(outdir, { recursive: true, force: true });
});

/** The handler of a bundle, loaded as Lambda loads it. */
async function bundled(task: string): Promise<(event: unknown) => Promise<unknown>> {
  const bundle = bundles.get(task);
  if (!bundle) throw new Error(`no bundle for ${task}`);
  return ((await import(bundle.file)) as { handler: (event: unknown) => Promise<unknown> }).handler;
}

const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:DeployEndpoint:x', name: 'x', startedAt: '' };

describe('Lambda bundles', () => {
  it.each(entries.map((e) => e.task))(`%s fits the ${BUNDLE_BUDGET_BYTES / 1024} KiB budget`, (task) => {
    const bundle = bundles.get(task);

    expect(bundle?.bytes, `${task} is ${Math.round((bundle?.bytes ?? 0) / 1024)} KiB`).toBeLessThanOrEqual(
      BUNDLE_BUDGET_BYTES,
    );
  });

  it("runs a bundled step: it calls SageMaker with the environment's credentials and reports what it found", async () => {
    const handler = await bundled('GetEndpointStatus');

    const state = {
      request: {
        endpointName: 'never-deployed',
        wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 1 },
      },
    };

    expect(await handler(state)).toMatchObject({ endpointStatus: { status: 'Deleted', settled: true } });
  });

  it('runs a bundled first state: bad input is an InvalidInputError naming the field', async () => {
    const handler = await bundled('DeployEndpoint.ValidateInput');

    await expect(handler({ input: { endpointName: 'bad name' }, execution })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringMatching(/^Invalid DeployEndpoint input: endpointName: expected 1-63 letters/),
    });
  });
});
