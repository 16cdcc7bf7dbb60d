/**
 * Emulator invoke overhead: InvokeEndpoint through the emulator (the real SageMaker Runtime SDK client, at the
 * emulator's URL as AWS_ENDPOINT_URL would give it) vs. the same request sent straight to the model server
 * process behind the endpoint. The example linear model is deployed on an emulator in its own process; the
 * model server's port is read from the endpoint's container log (what the emulator exposes as its CloudWatch
 * logs). A third target, the emulator's invocations URL over plain HTTP (no SDK), tells the SDK client's share
 * from the emulator's. Latency: requests one at a time, the targets taking turns, p50 and p99. Throughput:
 * requests per second with `--concurrency` (default 8) in flight for a few seconds each.
 *
 *   npm run bench -- emulator-invoke
 *   npm run bench -- emulator-invoke --concurrency 16
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import {
  BENCH_REGION,
  deployBenchEndpoint,
  emulatorClients,
  LINEAR_IMAGE,
  linearModelArchive,
  startEmulatorProcess,
  stopEmulatorsOnInterrupt,
} from './emulator-process.ts';
import { isQuick, markdownTable, percentile, reportRows, secondsSince } from './summary.ts';

const ENDPOINT = 'bench-linear';
const BODY = '1,2';
const HEADERS = { 'content-type': 'text/csv', accept: 'application/json' };

type Invoke = () => Promise<string>;

/** The model server's port, from the endpoint's container log (`linear: serving ... on 127.0.0.1:<port>`). */
function modelServerPort(stateDir: string): number {
  const logDir = join(stateDir, 'logs', BENCH_REGION, 'aws', 'sagemaker', 'Endpoints', ENDPOINT);
  for (const file of readdirSync(logDir)) {
    const port = /on 127\.0\.0\.1:(\d+)/.exec(readFileSync(join(logDir, file), 'utf8'))?.[1];
    if (port) return Number(port);
  }
  throw new Error(`no model server port in the logs under ${logDir}`);
}

/** A plain HTTP POST of the request body to `url`. */
function post(agent: Agent, url: string): Invoke {
  const { hostname, port, pathname } = new URL(url);
  return () =>
    new Promise((resolve, reject) => {
      const req = request({ host: hostname, port, path: pathname, method: 'POST', agent, headers: HEADERS }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(BODY);
    });
}

function throughEmulator(runtime: SageMakerRuntimeClient): Invoke {
  return async () => {
    const out = await runtime.send(
      new InvokeEndpointCommand({
        EndpointName: ENDPOINT,
        ContentType: 'text/csv',
        Accept: 'application/json',
        Body: BODY,
      }),
    );
    return new TextDecoder().decode(out.Body);
  };
}

/** Milliseconds of each of `count` requests, the two targets alternating one request at a time. */
async function latencies(targets: readonly Invoke[], count: number): Promise<number[][]> {
  const samples = targets.map((): number[] => []);
  for (let i = 0; i < count; i += 1) {
    for (const [t, invoke] of targets.entries()) {
      const started = performance.now();
      await invoke();
      samples[t]?.push(performance.now() - started);
    }
  }
  return samples;
}

/** Requests per second with `concurrency` requests in flight for `seconds`. */
async function throughput(invoke: Invoke, concurrency: number, seconds: number): Promise<number> {
  const started = performance.now();
  const until = started + seconds * 1000;
  let done = 0;
  const worker = async () => {
    while (performance.now() < until) {
      await invoke();
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / secondsSince(started);
}

async function main(): Promise<void> {
  stopEmulatorsOnInterrupt('emulator-invoke');
  const args = process.argv.slice(2);
  const quick = isQuick(args);
  const concurrencyIndex = args.indexOf('--concurrency');
  const concurrency = concurrencyIndex >= 0 ? Number(args[concurrencyIndex + 1]) : 8;
  const samples = quick ? 300 : 2000;
  const seconds = quick ? 2 : 5;

  const scratch = mkdtempSync(join(tmpdir(), 'smwf-bench-invoke-'));
  const stateDir = join(scratch, 'state');
  const emulator = await startEmulatorProcess(stateDir);
  const agent = new Agent({ keepAlive: true, maxSockets: 50 });
  try {
    const { s3, sagemaker, runtime } = emulatorClients(emulator.url);
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'bench', Key: 'linear/model.tar.gz', Body: await linearModelArchive() }),
    );
    await deployBenchEndpoint(sagemaker, ENDPOINT, {
      Image: LINEAR_IMAGE,
      ModelDataUrl: 's3://bench/linear/model.tar.gz',
    });

    const viaSdk = throughEmulator(runtime);
    const viaHttp = post(agent, `${emulator.url}/endpoints/${ENDPOINT}/invocations`);
    const direct = post(agent, `http://127.0.0.1:${modelServerPort(stateDir)}/invocations`);
    const answers = new Set([await viaSdk(), await viaHttp(), await direct()]);
    if (answers.size !== 1) throw new Error(`different answers: ${[...answers].join(' / ')}`);
    await latencies([viaSdk, viaHttp, direct], 100); // warm-up: connections, JIT
    const [sdkMs = [], httpMs = [], directMs = []] = await latencies([viaSdk, viaHttp, direct], samples);
    const sdkRps = await throughput(viaSdk, concurrency, seconds);
    const httpRps = await throughput(viaHttp, concurrency, seconds);
    const directRps = await throughput(direct, concurrency, seconds);

    const ms = (n: number) => `${n.toFixed(2)} ms`;
    const rps = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
    const times = (a: number, b: number) => `${(a / b).toFixed(a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}x`;
    const [sdk50, http50, direct50] = [percentile(sdkMs, 50), percentile(httpMs, 50), percentile(directMs, 50)];
    console.log(`\nInvokeEndpoint, example linear model, body ${BODY}\n`);
    console.log(
      markdownTable(
        ['', 'p50', 'p99', 'vs direct (p50)', `requests/s at concurrency ${concurrency}`, 'vs direct'],
        [
          [
            'emulator, SDK client',
            ms(sdk50),
            ms(percentile(sdkMs, 99)),
            times(sdk50, direct50),
            rps(sdkRps),
            times(sdkRps, directRps),
          ],
          [
            'emulator, plain HTTP',
            ms(http50),
            ms(percentile(httpMs, 99)),
            times(http50, direct50),
            rps(httpRps),
            times(httpRps, directRps),
          ],
          ['model server, plain HTTP (direct)', ms(direct50), ms(percentile(directMs, 99)), '1x', rps(directRps), '1x'],
        ],
      ),
    );
    console.log(`\n${samples} sequential requests each (taking turns), then ${seconds} s of load each`);
    reportRows([
      {
        figure: 'InvokeEndpoint p50: emulator (SDK client) / emulator (plain HTTP) / model server direct',
        measured: `${sdk50.toFixed(2)} / ${http50.toFixed(2)} / ${ms(direct50)} (SDK ${times(sdk50, direct50)} direct)`,
        goal: 'direct HTTP to the same model server process',
        verdict: '-',
      },
      {
        figure: `InvokeEndpoint requests/s at concurrency ${concurrency}, the same three`,
        measured: `${rps(sdkRps)} / ${rps(httpRps)} / ${rps(directRps)} (SDK ${times(sdkRps, directRps)} direct)`,
        goal: 'direct HTTP to the same model server process',
        verdict: '-',
      },
    ]);
    await emulator.stop();
  } finally {
    agent.destroy();
    emulator.kill();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
