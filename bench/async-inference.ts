/**
 * Asynchronous inference on the emulator: queue throughput (N requests accepted at once, until every output object
 * exists) and p50 end-to-end latency of one request at a time, InvokeEndpointAsync (invoke, then HeadObject on the
 * output location until it exists) against InvokeEndpoint on the same example linear model. The emulator runs in
 * a process of its own; the real SDK clients talk to it.
 *
 *   npm run bench -- async-inference
 *   npm run bench -- async-inference --quick
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointAsyncCommand, InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  deployBenchEndpoint,
  emulatorClients,
  LINEAR_IMAGE,
  linearModelArchive,
  startEmulatorProcess,
  stopEmulatorsOnInterrupt,
} from './emulator-process.ts';
import { isQuick, markdownTable, percentile, reportRows, secondsSince } from './summary.ts';

const BUCKET = 'bench';
const INPUT = 's3://bench/async/input.csv';
const PER_INSTANCE = 8;
/** How often the client looks for an output object. */
const POLL_MS = 5;

async function main(): Promise<void> {
  stopEmulatorsOnInterrupt('async-inference');
  const quick = isQuick();
  const sequential = quick ? 50 : 200;
  const burst = quick ? 200 : 1000;
  const scratch = mkdtempSync(join(tmpdir(), 'smwf-bench-async-'));
  const emulator = await startEmulatorProcess(join(scratch, 'state'));
  try {
    const { s3, sagemaker, runtime } = emulatorClients(emulator.url);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'linear/model.tar.gz', Body: await linearModelArchive() }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'async/input.csv', Body: '1,2' }));
    const container = { Image: LINEAR_IMAGE, ModelDataUrl: 's3://bench/linear/model.tar.gz' };
    await deployBenchEndpoint(sagemaker, 'bench-sync', container);
    await deployBenchEndpoint(sagemaker, 'bench-async', container, {
      AsyncInferenceConfig: {
        OutputConfig: { S3OutputPath: 's3://bench/async/output/' },
        ClientConfig: { MaxConcurrentInvocationsPerInstance: PER_INSTANCE },
      },
    });

    const invokeAsync = () =>
      runtime.send(
        new InvokeEndpointAsyncCommand({
          EndpointName: 'bench-async',
          InputLocation: INPUT,
          ContentType: 'text/csv',
          Accept: 'application/json',
        }),
      );
    const outputExists = async (uri: string) => {
      const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch {
        return false;
      }
    };
    const untilWritten = async (uri: string) => {
      while (!(await outputExists(uri))) await new Promise((r) => setTimeout(r, POLL_MS));
    };
    const asyncOnce = async () => {
      const accepted = await invokeAsync();
      await untilWritten(accepted.OutputLocation ?? '');
    };
    const syncOnce = async () => {
      await runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'bench-sync',
          ContentType: 'text/csv',
          Accept: 'application/json',
          Body: '1,2',
        }),
      );
    };

    for (let i = 0; i < 20; i += 1) {
      await syncOnce();
      await asyncOnce();
    }
    const syncMs: number[] = [];
    const asyncMs: number[] = [];
    for (let i = 0; i < sequential; i += 1) {
      let started = performance.now();
      await syncOnce();
      syncMs.push(performance.now() - started);
      started = performance.now();
      await asyncOnce();
      asyncMs.push(performance.now() - started);
    }

    const burstStarted = performance.now();
    const accepted = await Promise.all(Array.from({ length: burst }, invokeAsync));
    const acceptSeconds = secondsSince(burstStarted);
    await Promise.all(accepted.map((a) => untilWritten(a.OutputLocation ?? '')));
    const burstSeconds = secondsSince(burstStarted);
    const throughput = burst / burstSeconds;

    const ms = (n: number) => `${n.toFixed(2)} ms`;
    const [sync50, async50] = [percentile(syncMs, 50), percentile(asyncMs, 50)];
    console.log('\nAsynchronous inference, example linear model, body 1,2, one ml.m5.large\n');
    console.log(
      markdownTable(
        ['', 'p50', 'p95', 'vs InvokeEndpoint (p50)'],
        [
          ['InvokeEndpoint', ms(sync50), ms(percentile(syncMs, 95)), '1x'],
          [
            `InvokeEndpointAsync + HeadObject polling (${POLL_MS} ms)`,
            ms(async50),
            ms(percentile(asyncMs, 95)),
            `${(async50 / sync50).toFixed(1)}x`,
          ],
        ],
      ),
    );
    console.log(`\n${sequential} sequential requests each (taking turns), after 20 each to warm up`);
    console.log(
      `\n${burst} InvokeEndpointAsync requests at once: accepted in ${acceptSeconds.toFixed(2)} s, every output ` +
        `written after ${burstSeconds.toFixed(2)} s: ${Math.round(throughput)} requests/s ` +
        `(MaxConcurrentInvocationsPerInstance ${PER_INSTANCE}, 1 instance)`,
    );
    reportRows([
      {
        figure: `Async queue throughput: ${burst} requests, ${PER_INSTANCE} in flight`,
        measured: `${Math.round(throughput)} requests/s (accepted in ${acceptSeconds.toFixed(2)} s)`,
        goal: '-',
        verdict: '-',
      },
      {
        figure: 'End-to-end p50: InvokeEndpointAsync (to the output object) / InvokeEndpoint',
        measured: `${ms(async50)} / ${ms(sync50)} (${(async50 / sync50).toFixed(1)}x)`,
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
