/**
 * Multi-model endpoint benchmark: 50 small models (the example linear model, each with its own intercept) under
 * one S3 prefix, served by one multi-model endpoint of the example linear container on an emulator in its own
 * process, through the real SageMaker Runtime SDK client.
 *
 * - Cold invoke: the first invocation of each model, one at a time (download, extract, `POST /models`, predict).
 * - Warm invoke: then every model again, round after round, one request at a time.
 * - Load throughput: on a second, fresh endpoint, all 50 models invoked at once (each a cold load): models/s.
 *
 * Latencies are per invocation, p50 and p95 over the 50 models (cold) or every warm request.
 *
 *   npm run bench -- multi-model
 *   npm run bench -- multi-model --quick     # fewer warm rounds
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { packModelDirectory } from '../examples/example-models.ts';
import {
  deployBenchEndpoint,
  emulatorClients,
  LINEAR_IMAGE,
  startEmulatorProcess,
  stopEmulatorsOnInterrupt,
} from './emulator-process.ts';
import { isQuick, markdownTable, percentile, reportRows, secondsSince } from './summary.ts';

const MODELS = 50;
const PREFIX = 's3://bench/mme/';

/** A model.tar.gz with the example linear model's weights.json, intercept `intercept`. */
async function modelArchive(scratch: string, intercept: number): Promise<Buffer> {
  const dir = join(scratch, `model-${intercept}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'weights.json'), JSON.stringify({ coefficients: [2, 3], intercept }));
  return packModelDirectory(dir);
}

/** Invokes model `i` of `endpoint` with features (1, 1) and checks the answer (2 + 3 + intercept i). */
async function invoke(runtime: SageMakerRuntimeClient, endpoint: string, i: number): Promise<number> {
  const started = performance.now();
  const out = await runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      TargetModel: `model-${i}.tar.gz`,
      ContentType: 'text/csv',
      Accept: 'application/json',
      Body: '1,1',
    }),
  );
  const ms = performance.now() - started;
  const answer = new TextDecoder().decode(out.Body);
  if (answer !== JSON.stringify({ predictions: [5 + i] })) throw new Error(`model-${i} answered ${answer}`);
  return ms;
}

async function main(): Promise<void> {
  stopEmulatorsOnInterrupt('multi-model');
  const quick = isQuick(process.argv.slice(2));
  const warmRounds = quick ? 5 : 20;

  const scratch = mkdtempSync(join(tmpdir(), 'smwf-bench-mme-'));
  const emulator = await startEmulatorProcess(join(scratch, 'state'));
  try {
    // Every figure counts one attempt: a ModelNotReadyException would be a failure here, not a retry.
    const { s3, sagemaker, runtime } = emulatorClients(emulator.url, { maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    for (let i = 0; i < MODELS; i++) {
      await s3.send(
        new PutObjectCommand({ Bucket: 'bench', Key: `mme/model-${i}.tar.gz`, Body: await modelArchive(scratch, i) }),
      );
    }
    await deployBenchEndpoint(sagemaker, 'bench-mme', {
      Image: LINEAR_IMAGE,
      Mode: 'MultiModel',
      ModelDataUrl: PREFIX,
    });
    await deployBenchEndpoint(sagemaker, 'bench-mme-burst', {
      Image: LINEAR_IMAGE,
      Mode: 'MultiModel',
      ModelDataUrl: PREFIX,
    });

    const cold: number[] = [];
    for (let i = 0; i < MODELS; i++) cold.push(await invoke(runtime, 'bench-mme', i));
    const warm: number[] = [];
    for (let round = 0; round < warmRounds; round++) {
      for (let i = 0; i < MODELS; i++) warm.push(await invoke(runtime, 'bench-mme', i));
    }
    const burstStarted = performance.now();
    await Promise.all(Array.from({ length: MODELS }, (_, i) => invoke(runtime, 'bench-mme-burst', i)));
    const burstSeconds = secondsSince(burstStarted);
    const modelsPerSecond = MODELS / burstSeconds;
    const sequentialPerSecond = MODELS / (cold.reduce((a, b) => a + b, 0) / 1000);

    const ms = (n: number) => `${n.toFixed(2)} ms`;
    console.log(`\nMulti-model endpoint, ${MODELS} example linear models, SDK client, one instance\n`);
    console.log(
      markdownTable(
        ['', 'requests', 'p50', 'p95'],
        [
          [
            'cold invoke (download + load + predict)',
            String(cold.length),
            ms(percentile(cold, 50)),
            ms(percentile(cold, 95)),
          ],
          ['warm invoke', String(warm.length), ms(percentile(warm, 50)), ms(percentile(warm, 95))],
        ],
      ),
    );
    console.log(
      `\nLoad throughput: ${modelsPerSecond.toFixed(1)} models/s with all ${MODELS} invoked at once (${burstSeconds.toFixed(2)} s), ${sequentialPerSecond.toFixed(1)} models/s one at a time`,
    );
    reportRows([
      {
        figure: `MME cold invoke p50 / p95 (download + extract + load + predict), ${MODELS} models one at a time`,
        measured: `${percentile(cold, 50).toFixed(2)} / ${ms(percentile(cold, 95))}`,
        goal: 'warm invoke of the same models',
        verdict: `${(percentile(cold, 50) / percentile(warm, 50)).toFixed(1)}x warm (p50)`,
      },
      {
        figure: `MME warm invoke p50 / p95, ${warm.length} requests over ${MODELS} loaded models`,
        measured: `${percentile(warm, 50).toFixed(2)} / ${ms(percentile(warm, 95))}`,
        goal: '-',
        verdict: '-',
      },
      {
        figure: `MME load throughput, ${MODELS} small models invoked at once / one at a time`,
        measured: `${modelsPerSecond.toFixed(1)} / ${sequentialPerSecond.toFixed(1)} models/s`,
        goal: '-',
        verdict: '-',
      },
    ]);
    await emulator.stop();
  } finally {
    emulator.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
