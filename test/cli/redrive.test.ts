/**
 * `smwf redrive` from a new process: an `smwf run` interrupted (Ctrl-C) while DeployEndpoint creates its endpoint
 * config leaves a journal in the state directory whose process is gone; `smwf redrive <name>` in another process
 * reads it as ABORTED, continues at that state with the emulator on the same state directory and the example
 * model's real process, and ends as an uninterrupted run ends: the endpoint serving, Deployment Succeeded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { CONFIG_ENV } from '../../infra/deployment-config/load.ts';
import { E2E_DEPLOYMENT_CONFIG } from '../e2e/e2e-stack.ts';
import { clients, startTestEmulator } from '../local/emulator/helpers.ts';
import { SpawnedCommand } from './spawned-command.ts';

/** A bucket the e2e deployment config names, so the stack's roles reach it (permissions are checked locally). */
const BUCKET = 'e2e-models';
const commands: SpawnedCommand[] = [];
const stateDirs: string[] = [];

afterEach(() => {
  for (const command of commands.splice(0)) command.cleanUp();
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function stateWithModel(): Promise<string> {
  const stateDir = mkdtempSync(join(tmpdir(), 'smwf-redrive-cli-'));
  stateDirs.push(stateDir);
  const emulator = await startTestEmulator({ stateDir });
  const { s3 } = clients(emulator.url);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'linear-v1/model.tar.gz',
      Body: await exampleModelArchive('linear-v1'),
    }),
  );
  await emulator.stop();
  return stateDir;
}

function spawn(args: string[]): SpawnedCommand {
  const command = SpawnedCommand.start(args, { [CONFIG_ENV]: E2E_DEPLOYMENT_CONFIG });
  commands.push(command);
  return command;
}

describe('smwf redrive', () => {
  it('redrives, from a new process, an smwf run interrupted during CreateEndpointConfig, to the end an uninterrupted run reaches', async () => {
    const stateDir = await stateWithModel();
    const input = join(stateDir, 'input.json');
    writeFileSync(
      input,
      JSON.stringify({
        endpointName: 'redriven',
        model: { image: exampleImage('linear'), modelDataUrl: `s3://${BUCKET}/linear-v1/model.tar.gz` },
        variants: [{ instanceType: 'ml.m5.large' }],
        healthCheck: {
          samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
          invocations: 2,
        },
        wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
      }),
    );
    const run = spawn([
      'run',
      'DeployEndpoint',
      '--input',
      input,
      '--state-dir',
      stateDir,
      '--name',
      'cut-short',
      '--json',
    ]);
    await run.entered('CreateEndpointConfig');
    const interrupted = await run.interrupt('SIGINT');

    const redrive = spawn(['redrive', 'cut-short', '--state-dir', stateDir, '--json']);
    const ended = await redrive.ended;

    expect(interrupted.code).toBe(130);
    expect(ended).toEqual({ code: 0, signal: null });
    const events = redrive.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'ExecutionRedriven', redriveCount: 1 });
    const entered = events.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    expect(entered[0]).toBe('CreateEndpointConfig');
    expect(entered).not.toContain('CreateModel');
    expect(entered).toContain('HealthCheck');
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionResult',
      status: 'SUCCEEDED',
      redriveCount: 1,
      output: { endpoint: { name: 'redriven', action: 'create' }, event: { detailType: 'Deployment Succeeded' } },
    });
    const again = spawn(['redrive', 'cut-short', '--state-dir', stateDir]);
    expect(await again.ended).toEqual({ code: 1, signal: null });
    expect(again.lines.join('\n')).toContain('Execution is SUCCEEDED and cannot be redriven');
  });
});
