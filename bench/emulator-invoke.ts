/**
 * Emulator invoke overhead: InvokeEndpoint through the emulator (the real SageMaker Runtime SDK client, at the
 * emulator's URL as AWS_ENDPOINT_URL would give it) vs. the same request sent straight to the model server
 * process behind the endpoint. The example linear model is deployed on an emulator in its own process; the
 * model server's port is read from the endpoint's container log (what the emulator exposes as its CloudWatch
 * logs). A third target, the emulator's invocations URL over plain HTTP (no SDK), tells the SDK client's share
 * from the emulator's. Latency: requests one at a time, the targets taking turns, p50 and p99. Throughput:
 * requests per second with `--concurrency` (default 8) in flight for a few seconds each, the targets taking turns in
 * short windows. The goal (issue 19): through the emulator over plain HTTP, at least 0.7x the direct rate.
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
import { cpuMicros, isQuick, markdownTable, percentile, reportRows, secondsSince, verdict } from './summary.ts';

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

/** The first child process of `parent` (the emulator's model server), from /proc. */
function childOf(parent: number | undefined): number | undefined {
  if (parent === undefined) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** CPU microseconds per request of the benchmark's client, the emulator and the model server over the windows. */
interface CpuPerRequest {
  client: number;
  emulator: number;
  server: number;
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

/** Requests answered and seconds taken with `concurrency` requests in flight for `seconds`. */
async function loadWindow(
  invoke: Invoke,
  concurrency: number,
  seconds: number,
): Promise<{ done: number; seconds: number }> {
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
  return { done, seconds: secondsSince(started) };
}

/**
 * Requests per second of each target with `concurrency` in flight, `seconds` each in all: the targets take turns in
 * `rounds` short windows, so a change in the machine's load during the run weighs on every target alike.
 */
async function throughputs(
  targets: readonly Invoke[],
  concurrency: number,
  seconds: number,
  rounds: number,
  pids: { emulator: number | undefined; server: number | undefined },
): Promise<{ rps: number[]; cpu: CpuPerRequest[] }> {
  const done = targets.map(() => 0);
  const taken = targets.map(() => 0);
  const cpu = targets.map(() => ({ client: 0, emulator: 0, server: 0 }));
  for (let round = 0; round < rounds; round += 1) {
    for (const [t, invoke] of targets.entries()) {
      const client = process.cpuUsage();
      const [emulator, server] = [cpuMicros(pids.emulator), cpuMicros(pids.server)];
      const window = await loadWindow(invoke, concurrency, seconds / rounds);
      const used = process.cpuUsage(client);
      const totals = cpu[t] as CpuPerRequest;
      totals.client += used.user + used.system;
      totals.emulator += cpuMicros(pids.emulator) - emulator;
      totals.server += cpuMicros(pids.server) - server;
      done[t] = (done[t] as number) + window.done;
      taken[t] = (taken[t] as number) + window.seconds;
    }
  }
  return {
    rps: done.map((d, t) => d / (taken[t] as number)),
    cpu: cpu.map((c, t) => {
      const n = Math.max(1, done[t] as number);
      return { client: c.client / n, emulator: c.emulator / n, server: c.server / n };
    }),
  };
}

/** The goal of issue 19: through the emulator over plain HTTP, at least this share of the direct rate. */
const RATIO_GOAL = 0.7;

async function main(): Promise<void> {
  stopEmulatorsOnInterrupt('emulator-invoke');
  const args = process.argv.slice(2);
  const quick = isQuick(args);
  const concurrencyIndex = args.indexOf('--concurrency');
  const concurrency = concurrencyIndex >= 0 ? Number(args[concurrencyIndex + 1]) : 8;
  const samples = quick ? 300 : 2000;
  const seconds = quick ? 2 : 5;
  const rounds = quick ? 4 : 10;

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
    await loadWindow(viaHttp, concurrency, 1); // warm-up at load: connections, JIT
    await loadWindow(direct, concurrency, 1);
    const pids = { emulator: emulator.pid, server: childOf(emulator.pid) };
    const measured = await throughputs([viaSdk, viaHttp, direct], concurrency, seconds, rounds, pids);
    const [sdkRps = 0, httpRps = 0, directRps = 0] = measured.rps;
    const [sdkCpu, httpCpu, directCpu] = measured.cpu as [CpuPerRequest, CpuPerRequest, CpuPerRequest];
    const us = (n: number) => `${Math.round(n)} µs`;

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
    console.log('\nCPU time per request under that load (user + system, from /proc):\n');
    console.log(
      markdownTable(
        ['', 'benchmark client', 'emulator', 'model server'],
        [
          ['emulator, SDK client', us(sdkCpu.client), us(sdkCpu.emulator), us(sdkCpu.server)],
          ['emulator, plain HTTP', us(httpCpu.client), us(httpCpu.emulator), us(httpCpu.server)],
          ['model server, plain HTTP (direct)', us(directCpu.client), us(directCpu.emulator), us(directCpu.server)],
        ],
      ),
    );
    console.log(
      `\n${samples} sequential requests each (taking turns), then ${seconds} s of load each, in ${rounds} turns of ${seconds / rounds} s`,
    );
    reportRows([
      {
        figure: 'InvokeEndpoint p50: emulator (SDK client) / emulator (plain HTTP) / model server direct',
        measured: `${sdk50.toFixed(2)} / ${http50.toFixed(2)} / ${ms(direct50)} (SDK ${times(sdk50, direct50)} direct)`,
        goal: 'direct HTTP to the same model server process',
        verdict: '-',
      },
      {
        figure: `InvokeEndpoint requests/s at concurrency ${concurrency}: emulator (plain HTTP) / model server direct`,
        measured: `${rps(httpRps)} / ${rps(directRps)} = ${(httpRps / directRps).toFixed(2)}x`,
        goal: `>= ${RATIO_GOAL}x`,
        verdict: verdict(httpRps / directRps >= RATIO_GOAL),
      },
      {
        figure: 'InvokeEndpoint CPU per request, plain HTTP through the emulator: client / emulator / model server',
        measured: `${us(httpCpu.client)} / ${us(httpCpu.emulator)} / ${us(httpCpu.server)} (direct: ${us(directCpu.client)} / - / ${us(directCpu.server)})`,
        goal: 'the emulator near the model server',
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
