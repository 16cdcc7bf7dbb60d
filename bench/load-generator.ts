/**
 * The load generator (GenerateLoad's core: SigV4-signed InvokeEndpoint requests over keep-alive connections, one
 * user a connection, latencies into the mergeable histogram) against a no-op endpoint (an HTTP server in its own
 * process that answers 200 at once), beside autocannon with the same connections on the same endpoint: the goal is
 * at least 0.8x autocannon's requests per second, so that the generator is not what limits a load test. Each tool
 * runs in its own process, one after the other. Then the time to merge 1,000 workers' serialized histograms, as
 * JudgeLoadStep merges a step's.
 *
 *   npm run bench -- load-generator
 *   npm run bench -- load-generator --connections 64 --seconds 20
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from '../tasks/_shared/latency-histogram.ts';
import { type GenerateLoadState, prepareWorker } from '../tasks/generate-load/load-worker.ts';
import { isQuick, markdownTable, median, reportRows, verdict } from './summary.ts';

const GOAL = 0.8;
const ENDPOINT = 'noop';
const BODY = '1,2';

/** The no-op endpoint: answers every InvokeEndpoint with 200 and a small body, as soon as the request is read. */
const NOOP_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Starts the no-op endpoint; resolves with its port. It stops when this process closes its stdin. */
async function startNoopServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', NOOP_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout as NodeJS.ReadableStream })) {
    const port = /^port (\d+)$/.exec(line)?.[1];
    if (port) return { child, port: Number(port) };
  }
  throw new Error('the no-op endpoint did not start');
}

/** Runs a command and resolves with its stdout. */
function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    // 'close': the output is complete only once the pipe has closed, which may come after the exit.
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} exited with ${code}`))));
  });
}

/** autocannon's requests per second: its own total over the time it ran. */
async function autocannonRate(port: number, connections: number, seconds: number): Promise<number> {
  const bin = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));
  const out = await run(process.execPath, [
    bin,
    '--json',
    '--connections',
    String(connections),
    '--duration',
    String(seconds),
    '--method',
    'POST',
    '--headers',
    'content-type=text/csv',
    '--headers',
    'accept=application/json',
    '--body',
    BODY,
    `http://127.0.0.1:${port}/endpoints/${ENDPOINT}/invocations`,
  ]);
  const result = JSON.parse(out) as { requests: { total: number }; duration: number; non2xx: number };
  if (result.non2xx > 0) throw new Error(`autocannon got ${result.non2xx} non-2xx answers`);
  return result.requests.total / result.duration;
}

/** The generator's requests per second, run in a child process (this file with --generator). */
async function generatorRate(port: number, connections: number, seconds: number): Promise<number> {
  const out = await run(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--generator', String(connections), String(seconds)],
    {
      ...process.env,
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    },
  );
  const line = out.split('\n').find((l) => l.startsWith('RATE '));
  if (line === undefined) throw new Error(`the generator printed no rate: ${out}`);
  return Number(line.slice(5));
}

/** The child: one GenerateLoad worker with `connections` users for `seconds`, all of it counted. */
async function generatorChild(connections: number, seconds: number): Promise<void> {
  const state: GenerateLoadState = {
    request: {
      endpointName: ENDPOINT,
      samples: [{ body: BODY, contentType: 'text/csv', accept: 'application/json' }],
      options: { requestTimeoutSeconds: 60 },
    },
    invocations: { samples: [{ sample: 0, weight: 1, bytes: BODY.length }] },
    resultsPrefix: 'bench/',
    step: { index: 0, users: connections, initialUsers: connections, spawnRate: 0, durationSeconds: seconds },
    slice: { index: 0, startSecond: 0, seconds, startAt: Date.now() + 300 },
    worker: { index: 0, of: 1, budget: Number.MAX_SAFE_INTEGER },
    windowSeconds: 1,
  };
  const worker = await prepareWorker(state, { readObject: async () => new Uint8Array() });
  const result = await worker.run();
  if (result.succeeded !== result.requests) throw new Error(`failures: ${JSON.stringify(result.errors)}`);
  console.log(`RATE ${result.requests / seconds}`);
}

/**
 * Milliseconds to read and merge `count` serialized worker histograms, the first time (as a JudgeLoadStep function
 * does it, before the JIT has warmed up) and the median of 5 more, and one histogram's size in bytes.
 */
function mergeTime(count: number, samplesEach: number): { firstMs: number; ms: number; bytes: number } {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const serialized = Array.from({ length: count }, () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < samplesEach; i++) {
      const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      histogram.record(20_000 * Math.exp(0.5 * gaussian));
    }
    return JSON.stringify(histogram);
  });
  const once = () => {
    const started = performance.now();
    const merged = new LatencyHistogram();
    for (const json of serialized) merged.add(JSON.parse(json));
    if (merged.count !== count * samplesEach || Number.isNaN(merged.percentile(99))) throw new Error('bad merge');
    return performance.now() - started;
  };
  const firstMs = once();
  const ms = median(Array.from({ length: 5 }, once));
  return { firstMs, ms, bytes: median(serialized.map((s) => s.length)) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--generator') {
    await generatorChild(Number(args[1]), Number(args[2]));
    return;
  }
  const quick = isQuick(args);
  const connections = option('--connections', 32);
  const seconds = option('--seconds', quick ? 4 : 10);
  const rounds = quick ? 1 : 3;

  const { child, port } = await startNoopServer();
  const autocannon: number[] = [];
  const generator: number[] = [];
  try {
    await autocannonRate(port, connections, 1); // warm-up: the server's JIT
    for (let round = 0; round < rounds; round++) {
      autocannon.push(await autocannonRate(port, connections, seconds));
      generator.push(await generatorRate(port, connections, seconds));
    }
  } finally {
    child.stdin?.end();
    child.kill();
  }
  const merge = mergeTime(1000, quick ? 2000 : 10_000);

  const rps = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
  const ratio = median(generator) / median(autocannon);
  console.log(
    `\nRequests per second against a no-op endpoint (its own process), ${connections} connections, ${seconds} s a run, ${rounds} run(s) each, taking turns\n`,
  );
  console.log(
    markdownTable(
      ['client', 'runs', 'median', 'vs autocannon'],
      [
        ['autocannon', autocannon.map(rps).join(', '), rps(median(autocannon)), '1x'],
        ['GenerateLoad worker', generator.map(rps).join(', '), rps(median(generator)), `${ratio.toFixed(2)}x`],
      ],
    ),
  );
  console.log(
    `\nMerging 1,000 serialized worker histograms (JSON parse, add, p99): ${merge.firstMs.toFixed(1)} ms the first time, ${merge.ms.toFixed(1)} ms warm (median of 5); one histogram is ${merge.bytes} bytes of JSON`,
  );
  reportRows([
    {
      figure: `load generator requests/s vs autocannon, no-op endpoint, ${connections} connections`,
      measured: `${rps(median(generator))} vs ${rps(median(autocannon))} (${ratio.toFixed(2)}x)`,
      goal: `>= ${GOAL}x autocannon`,
      verdict: verdict(ratio >= GOAL),
    },
    {
      figure: 'merge 1,000 serialized worker histograms',
      measured: `${merge.firstMs.toFixed(1)} ms first, ${merge.ms.toFixed(1)} ms warm (${merge.bytes} bytes each)`,
      goal: '-',
      verdict: '-',
    },
  ]);
}

await main();
