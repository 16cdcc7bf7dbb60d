/**
 * Lambda bundles: every function bundled exactly as the stack deploys it (infra/bundling.ts), its size against
 * the budget, and how long a fresh Node process takes to load it, bundled vs. the same handler loaded from
 * source (through tsx, as the local runner does). Each load is its own process; bundled and unbundled loads are
 * interleaved in the same run, with a bare `node -e 0` for reference. The load time is measured inside the
 * child (`performance.now()` around `await import()`); the whole process's wall time is printed too. Children
 * get the function's environment from the synthesized stack, as Lambda would, and nothing else of this shell.
 * One load at a time by default (21 functions x 20 loads x 2 take about 4 minutes on a 2-core VM); `--jobs 2`
 * halves that on an idle machine, but each load then shares the CPU with another and takes longer.
 *
 *   npm run bench -- lambda-bundles              # 20 loads of each
 *   npm run bench -- lambda-bundles --runs 40 --jobs 2
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_BUDGET_BYTES, buildLambdaBundles, lambdaEntries } from '../infra/bundling.ts';
import { projectRoot } from '../infra/project-root.ts';
import { loadSynthesizedWorkflows } from '../local/runner/synthesize.ts';
import { isQuick, markdownTable, percentile, reportRows, type SummaryRow, secondsSince } from './summary.ts';

/** Bundled load must take at most this share of the unbundled load. */
const LOAD_RATIO_GOAL = 0.35;
const KIB = 1024;

/** Run in the child: imports the module named by argv[1] and prints how long the import took. */
const LOADER = `const started = performance.now();
await import(process.argv[1]);
process.stdout.write(JSON.stringify({ importMs: performance.now() - started }));`;

interface Load {
  /** `performance.now()` around `await import()` in the child. */
  readonly importMs: number;
  /** Spawn to exit, measured by this process. */
  readonly wallMs: number;
}

function load(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Load> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // Timed at the exit; read at 'close', once the pipes have closed (the output may arrive after the exit).
    let wallMs = 0;
    child.on('exit', () => {
      wallMs = performance.now() - started;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}: ${err.trim()}`));
      else resolve({ importMs: out ? (JSON.parse(out) as { importMs: number }).importMs : 0, wallMs });
    });
  });
}

interface Measured {
  readonly task: string;
  readonly bytes: number;
  readonly bundled: Load[];
  readonly unbundled: Load[];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runsIndex = args.indexOf('--runs');
  const runs = runsIndex >= 0 ? Number(args[runsIndex + 1]) : isQuick(args) ? 5 : 20;
  const jobsIndex = args.indexOf('--jobs');
  const jobs = jobsIndex >= 0 ? Number(args[jobsIndex + 1]) : 1;

  const started = performance.now();
  const outdir = mkdtempSync(join(tmpdir(), 'smwf-bench-bundles-'));
  try {
    const entries = await lambdaEntries();
    process.stderr.write(`bundling ${entries.length} functions...\n`);
    const bundles = await buildLambdaBundles(entries, outdir);
    const workflows = await loadSynthesizedWorkflows({ account: '123456789012', region: 'us-east-1' });
    const environmentOf = new Map([...workflows.functions.values()].map((fn) => [fn.task, fn.environment]));
    const baseEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      AWS_REGION: 'us-east-1',
      // Lambda's nodejs22.x would not print the SDK's Node 20 warning; neither does this machine's Node here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    const measured: Measured[] = bundles.map((b) => ({ task: b.task, bytes: b.bytes, bundled: [], unbundled: [] }));
    const bare: Load[] = [];
    // Every load in order: per run, `node -e 0`, then each function bundled and unbundled (which goes first
    // alternates, so neither always runs on a file cache the other just warmed).
    const queue: (() => Promise<void>)[] = [];
    for (let run = 0; run < runs; run += 1) {
      queue.push(async () => {
        bare.push(await load(['-e', '0'], baseEnv));
      });
      for (const [i, bundle] of bundles.entries()) {
        const target = measured[i] as Measured;
        const env = { ...baseEnv, ...environmentOf.get(bundle.task) };
        const source = pathToFileURL(join(projectRoot, bundle.code)).href;
        const bundled = async () => {
          target.bundled.push(await load(['--input-type=module', '-e', LOADER, pathToFileURL(bundle.file).href], env));
        };
        const unbundled = async () => {
          target.unbundled.push(await load(['--import', 'tsx', '--input-type=module', '-e', LOADER, source], env));
        };
        queue.push(...(run % 2 === 0 ? [bundled, unbundled] : [unbundled, bundled]));
      }
    }
    process.stderr.write(`${queue.length} loads (${runs} of each), each in a fresh process, ${jobs} at a time...\n`);
    let next = 0;
    const worker = async () => {
      while (next < queue.length) {
        const task = queue[next] as () => Promise<void>;
        next += 1;
        await task();
      }
    };
    await Promise.all(Array.from({ length: jobs }, worker));

    const p50 = (loads: readonly Load[], key: keyof Load) =>
      percentile(
        loads.map((l) => l[key]),
        50,
      );
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    const pct = (n: number) => `${(n * 100).toFixed(0)}%`;
    const rows: string[][] = [];
    const summary: SummaryRow[] = [];
    for (const m of measured) {
      const importRatio = p50(m.bundled, 'importMs') / p50(m.unbundled, 'importMs');
      const wallRatio = p50(m.bundled, 'wallMs') / p50(m.unbundled, 'wallMs');
      const kib = m.bytes / KIB;
      rows.push([
        m.task,
        kib.toFixed(1),
        ms(p50(m.bundled, 'importMs')),
        ms(p50(m.unbundled, 'importMs')),
        pct(importRatio),
        ms(p50(m.bundled, 'wallMs')),
        ms(p50(m.unbundled, 'wallMs')),
        pct(wallRatio),
      ]);
      const sizeMet = m.bytes <= BUNDLE_BUDGET_BYTES;
      const loadMet = importRatio <= LOAD_RATIO_GOAL;
      const misses = [...(sizeMet ? [] : ['size']), ...(loadMet ? [] : ['load'])];
      summary.push({
        figure: `Lambda ${m.task}: size; load bundled / unbundled (p50 import)`,
        measured: `${kib.toFixed(1)} KiB; ${p50(m.bundled, 'importMs').toFixed(0)} / ${ms(p50(m.unbundled, 'importMs'))} = ${pct(importRatio)} (wall ${pct(wallRatio)})`,
        goal: `<= ${BUNDLE_BUDGET_BYTES / KIB} KiB; <= ${pct(LOAD_RATIO_GOAL)}`,
        verdict: misses.length === 0 ? 'met' : `missed (${misses.join(', ')})`,
      });
    }
    summary.push({
      figure: 'Bare Node start, `node -e 0` (p50 wall)',
      measured: ms(p50(bare, 'wallMs')),
      goal: 'reference for the wall times',
      verdict: '-',
    });

    console.log(
      `\nLambda bundles (infra/bundling.ts), load p50 over ${runs} fresh processes each, bundled and unbundled interleaved, ${jobs} at a time\n`,
    );
    console.log(
      markdownTable(
        ['function', 'KiB', 'import bundled', 'import unbundled', 'ratio', 'wall bundled', 'wall unbundled', 'ratio'],
        rows,
      ),
    );
    console.log(`\nnode -e 0: p50 wall ${ms(p50(bare, 'wallMs'))}`);
    console.log(
      `Goals: each bundle <= ${BUNDLE_BUDGET_BYTES / KIB} KiB; bundled import <= ${pct(LOAD_RATIO_GOAL)} of unbundled (the verdict uses the import time; wall time includes Node's own start).`,
    );
    console.log(`(${secondsSince(started).toFixed(0)} s)`);
    reportRows(summary);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

await main();
