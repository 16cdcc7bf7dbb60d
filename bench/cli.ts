/**
 * The smwf command as a user meets it, timed from spawn to exit:
 * - `smwf run DeployEndpoint` with an input that fails validation, once with the synthesis cache entry of
 *   this checkout removed (cold: the CDK app is synthesized) and then `--warm` times (default 3) with it;
 * - `smwf demo` (`npm start`): deploy, update under load and roll back on a fresh emulator.
 *
 * Cold removes only this checkout's entry (`synth-<key>.json`) from node_modules/.cache/sagemaker-workflows/,
 * which other checkouts sharing node_modules may also use; the next run writes it again.
 *
 *   npm run bench -- cli
 *   npm run bench -- cli --warm 5
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../infra/project-root.ts';
import { synthesisCacheDir, synthesisKey } from '../local/runner/synthesize.ts';
import { markdownTable, median, reportRows, secondsSince, verdict } from './summary.ts';

/** The identity `smwf run` synthesizes for (the local runner's default). */
const LOCAL_IDENTITY = { account: '123456789012', region: 'us-east-1' };
const WARM_GOAL_SECONDS = 3;
const DEMO_GOAL_SECONDS = 60;

interface Timed {
  readonly seconds: number;
  readonly code: number | null;
  readonly output: string;
}

/** Runs `node cli/bin.js <args>` from the project root and times it from spawn to exit. */
function smwf(args: readonly string[]): Promise<Timed> {
  const env = { ...process.env };
  delete env.AWS_ENDPOINT_URL; // a local run starts its own emulator
  const started = performance.now();
  const child = spawn(process.execPath, [join(projectRoot, 'cli', 'bin.js'), ...args], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // Timed at the exit; resolved at 'close', once the pipes have closed (the output may arrive after the exit).
    let seconds = 0;
    child.on('exit', () => {
      seconds = secondsSince(started);
    });
    child.on('close', (code) => resolve({ seconds, code, output }));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const warmIndex = args.indexOf('--warm');
  const warmRuns = warmIndex >= 0 ? Number(args[warmIndex + 1]) : 3;
  const scratch = mkdtempSync(join(tmpdir(), 'smwf-bench-cli-'));
  try {
    const input = join(scratch, 'invalid.json');
    writeFileSync(input, JSON.stringify({ endpointName: 'not a valid name!' }));
    const runArgs = ['run', 'DeployEndpoint', '--input', input, '--state-dir', join(scratch, 'state')];
    const expectRejected = (run: Timed) => {
      if (run.code !== 1 || !run.output.includes('InvalidInputError')) {
        throw new Error(`smwf run should fail with InvalidInputError (exit 1), got ${run.code}:\n${run.output}`);
      }
      return run;
    };

    const cacheFile = join(synthesisCacheDir, `synth-${synthesisKey(LOCAL_IDENTITY)}.json`);
    rmSync(cacheFile, { force: true });
    process.stderr.write('smwf run, cold...\n');
    const cold = expectRejected(await smwf(runArgs));
    if (!existsSync(cacheFile)) throw new Error(`smwf run did not write ${cacheFile}: the cold run was not cold`);
    const warm: Timed[] = [];
    for (let i = 0; i < warmRuns; i += 1) {
      process.stderr.write(`smwf run, warm ${i + 1}/${warmRuns}...\n`);
      warm.push(expectRejected(await smwf(runArgs)));
    }
    process.stderr.write('smwf demo...\n');
    const demo = await smwf(['demo']);
    if (demo.code !== 0) throw new Error(`smwf demo exited with ${demo.code}:\n${demo.output}`);

    const s = (seconds: number) => `${seconds.toFixed(2)} s`;
    const warmMedian = median(warm.map((w) => w.seconds));
    console.log('\nsmwf, spawn to exit\n');
    console.log(
      markdownTable(
        ['command', 'seconds'],
        [
          ['smwf run DeployEndpoint (invalid input), cold: synthesis cache entry removed', s(cold.seconds)],
          ...warm.map((w, i) => [`smwf run DeployEndpoint (invalid input), warm ${i + 1}`, s(w.seconds)]),
          ['smwf demo (npm start)', s(demo.seconds)],
        ],
      ),
    );
    console.log('\nsmwf demo ended with:\n');
    console.log(demo.output.trimEnd().split('\n').slice(-8).join('\n'));
    reportRows([
      {
        figure: '`smwf run DeployEndpoint`, invalid input, cold (no synthesis cache)',
        measured: s(cold.seconds),
        goal: 'no goal (synthesizes the CDK app)',
        verdict: '-',
      },
      {
        figure: `\`smwf run DeployEndpoint\`, invalid input, warm (median of ${warm.length})`,
        measured: `${s(warmMedian)} (${warm.map((w) => w.seconds.toFixed(2)).join(', ')})`,
        goal: `<= ${WARM_GOAL_SECONDS} s on an idle 2-core machine`,
        verdict: verdict(warmMedian <= WARM_GOAL_SECONDS),
      },
      {
        figure: '`npm start` (`smwf demo`) wall time',
        measured: s(demo.seconds),
        goal: `<= ${DEMO_GOAL_SECONDS} s`,
        verdict: verdict(demo.seconds <= DEMO_GOAL_SECONDS),
      },
    ]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
