/**
 * BatchTransform benchmark: a generated CSV (default 200 MB) transformed by the emulator's batch transform
 * (Line split, MultiRecord, 6 MB mini-batches) with the example linear model at MaxConcurrentTransforms 1 and 4,
 * compared in the same run with the same model server driven directly over HTTP with the same mini-batches.
 * The emulator runs in a child process (bench/emulator-process.ts), so its peak RSS is its own.
 *
 *   npx tsx bench/batch-transform.ts            # 200 MB
 *   npx tsx bench/batch-transform.ts --mb 50    # another size
 *   npx tsx bench/batch-transform.ts --quick    # 20 MB
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { Upload } from '@aws-sdk/lib-storage';
import { lineBatches, MIB } from '../local/emulator/batch/records.ts';
import { freePort } from '../local/emulator/hosting/ports.ts';
import { stopWhenInterrupted } from '../local/emulator/index.ts';
import {
  LINEAR_IMAGE,
  linearModelArchive,
  startEmulatorProcess,
  stopEmulatorsOnInterrupt,
} from './emulator-process.ts';
import { isQuick, reportRows, type SummaryRow } from './summary.ts';

const BUCKET = 'bench';
const MODEL_DIR = fileURLToPath(new URL('../examples/models/linear-v1/', import.meta.url));
const SERVER = fileURLToPath(new URL('../examples/containers/linear/server.mjs', import.meta.url));
const PAYLOAD_MB = 6;

async function generateCsv(file: string, bytes: number): Promise<number> {
  const out = createWriteStream(file);
  let written = 0;
  let records = 0;
  let seed = 1;
  const next = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed / 0x7fffffff) * 1000;
  };
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(`${next().toFixed(6)},${next().toFixed(6)}`);
    const chunk = `${lines.join('\n')}\n`;
    written += chunk.length;
    records += lines.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return records;
}

async function transformOnEmulator(sagemaker: SageMakerClient, s3: S3Client, concurrency: number) {
  const name = `bench-c${concurrency}-${Date.now()}`;
  const started = performance.now();
  await sagemaker.send(
    new CreateTransformJobCommand({
      TransformJobName: name,
      ModelName: 'linear',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: PAYLOAD_MB,
      MaxConcurrentTransforms: concurrency,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/in/` } },
        ContentType: 'text/csv',
        SplitType: 'Line',
      },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/out/${name}/`, Accept: 'text/csv', AssembleWith: 'Line' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    }),
  );
  for (;;) {
    const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
    if (job.TransformJobStatus === 'Completed') break;
    if (job.TransformJobStatus !== 'InProgress')
      throw new Error(`${name}: ${job.TransformJobStatus} ${job.FailureReason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `out/${name}/data.csv.out` }));
  return { seconds, outputBytes: head.ContentLength ?? 0 };
}

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/invocations',
        method: 'POST',
        agent,
        headers: { 'content-type': 'text/csv', accept: 'text/csv', 'content-length': body.length },
      },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The same model server, started by hand and fed the same mini-batches with `concurrency` requests in flight. */
async function transformDirectly(file: string, concurrency: number) {
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, [SERVER, 'serve'], {
    env: { ...process.env, SAGEMAKER_BIND_TO_PORT: String(port), SM_MODEL_DIR: MODEL_DIR },
    stdio: 'ignore',
  });
  // A model process of this benchmark's own: an interrupt stops it with the emulator's.
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  const forget = stopWhenInterrupted({
    async stop() {
      server.kill('SIGTERM');
      await closed;
      return 1;
    },
    kill() {
      server.kill('SIGKILL');
    },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const ok = await new Promise<boolean>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/ping' }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        });
        req.on('error', () => resolve(false));
        req.end();
      });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = performance.now();
    const inFlight = new Set<Promise<number>>();
    let outputBytes = 0;
    for await (const batch of lineBatches(createReadStream(file, { highWaterMark: MIB }), PAYLOAD_MB * MIB)) {
      const answer = post(agent, port, batch.body).then((bytes) => {
        outputBytes += bytes;
        return bytes;
      });
      inFlight.add(answer);
      void answer.finally(() => inFlight.delete(answer));
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return { seconds: (performance.now() - started) / 1000, outputBytes };
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
    forget();
  }
}

async function main(): Promise<void> {
  stopEmulatorsOnInterrupt('batch-transform');
  const args = process.argv.slice(2);
  const mbIndex = args.indexOf('--mb');
  const sizeMb = mbIndex >= 0 ? Number(args[mbIndex + 1]) : isQuick(args) ? 20 : 200;
  const scratch = mkdtempSync(join(tmpdir(), 'smwf-bench-transform-'));
  const emulator = await startEmulatorProcess(join(scratch, 'state'));
  try {
    const common = {
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    };
    const s3 = new S3Client({ ...common, forcePathStyle: true });
    const sagemaker = new SageMakerClient(common);
    const file = join(scratch, 'data.csv');
    process.stdout.write(`generating ${sizeMb} MB of CSV...\n`);
    const records = await generateCsv(file, sizeMb * 1e6);
    const bytes = statSync(file).size;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await new Upload({
      client: s3,
      params: { Bucket: BUCKET, Key: 'in/data.csv', Body: createReadStream(file) },
    }).done();
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'model.tar.gz', Body: await linearModelArchive() }));
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'linear',
        PrimaryContainer: { Image: LINEAR_IMAGE, ModelDataUrl: `s3://${BUCKET}/model.tar.gz` },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/bench',
      }),
    );
    const rows: string[][] = [];
    const summary: SummaryRow[] = [];
    for (const concurrency of [1, 4]) {
      const emulated = await transformOnEmulator(sagemaker, s3, concurrency);
      const direct = await transformDirectly(file, concurrency);
      const rate = (s: number) => records / s;
      const perSecond = (s: number) => `${Math.round(rate(s)).toLocaleString('en-US')} records/s`;
      const sameOutput = emulated.outputBytes === direct.outputBytes;
      summary.push({
        figure: `BatchTransform ${(bytes / 1e6).toFixed(0)} MB CSV, MaxConcurrentTransforms ${concurrency}: emulator vs direct HTTP`,
        measured: `${emulated.seconds.toFixed(2)} s, ${perSecond(emulated.seconds)} vs ${direct.seconds.toFixed(2)} s, ${perSecond(direct.seconds)} = ${(direct.seconds / emulated.seconds).toFixed(2)}x`,
        goal: 'the same model server fed the same mini-batches over HTTP',
        verdict: sameOutput ? 'same output' : 'DIFFERENT OUTPUT',
      });
      rows.push([
        String(concurrency),
        `${emulated.seconds.toFixed(2)} s`,
        `${Math.round(rate(emulated.seconds)).toLocaleString('en-US')}`,
        `${direct.seconds.toFixed(2)} s`,
        `${Math.round(rate(direct.seconds)).toLocaleString('en-US')}`,
        `${(direct.seconds / emulated.seconds).toFixed(2)}x`,
        emulated.outputBytes === direct.outputBytes ? 'yes' : `no (${emulated.outputBytes} vs ${direct.outputBytes})`,
      ]);
    }
    const { maxRssMb } = await emulator.stop();
    const header = [
      'MaxConcurrentTransforms',
      'emulator',
      'records/s',
      'direct HTTP',
      'records/s',
      'ratio',
      'same output',
    ];
    const table = [header, ...rows];
    const widths = header.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
    const render = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
    process.stdout.write(
      `\nBatchTransform: ${(bytes / 1e6).toFixed(0)} MB CSV, ${records.toLocaleString('en-US')} records, Line split, MultiRecord, ${PAYLOAD_MB} MB mini-batches, example linear model\n\n`,
    );
    process.stdout.write(`${render(header)}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n`);
    for (const row of rows) process.stdout.write(`${render(row)}\n`);
    process.stdout.write(`\nemulator peak RSS: ${maxRssMb.toFixed(0)} MB (the model server is a separate process)\n`);
    summary.push({
      figure: 'BatchTransform: emulator peak RSS',
      measured: `${maxRssMb.toFixed(0)} MB`,
      goal: 'no goal (the model server is a separate process)',
      verdict: '-',
    });
    reportRows(summary);
  } finally {
    emulator.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
