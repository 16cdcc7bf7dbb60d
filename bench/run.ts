/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's peak RSS is not another's), then
 * one table with every figure of the run and a line naming the machine. Each benchmark prints its details and
 * hands its summary rows over as its last stdout line (`BENCH_ROWS <json>`, see bench/summary.ts).
 *
 *   npm run bench                                  # everything (about 7 minutes on a 2-core VM)
 *   npm run bench -- --quick                       # smaller model and data, fewer loads (about 3 minutes)
 *   npm run bench -- <name> [flags]                # one benchmark, e.g. `npm run bench -- package-model --4gib`
 *
 * Ctrl-C (or SIGTERM, SIGHUP) stops the benchmark under way and runs no other: a benchmark that runs an emulator stops
 * its model processes and says so in one line; the runner exits 128 + the signal's number.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SAME_CTRL_C_WITHIN_MS } from '../local/emulator/interrupts.ts';
import {
  load1,
  loadLine,
  machineLine,
  markdownTable,
  parseRows,
  RUNNER_VARIABLE,
  type SummaryRow,
  secondsSince,
} from './summary.ts';

/** In the order of the combined table. */
const BENCHMARKS = [
  'wait-loop',
  'lambda-bundles',
  'package-model',
  'batch-transform',
  'emulator-invoke',
  'permissions',
  'load-generator',
  'async-inference',
  'multi-model',
  'cli',
] as const;

interface Outcome {
  readonly rows: SummaryRow[];
  readonly seconds: number;
  readonly ok: boolean;
}

/** The benchmark process under way, and the signal that interrupted the run, if one did. */
let running: ChildProcess | undefined;
let interrupted: NodeJS.Signals | undefined;

/**
 * Each benchmark runs in a process group of its own, so a terminal's Ctrl-C reaches the runner alone, and the runner
 * passes each signal on once: a benchmark sees one interrupt, and a second only when the user gives a second Ctrl-C
 * (which kills its model processes at once). Were they in one group, the benchmark would get the terminal's signal and
 * the runner's, in either order, and take them for two.
 */
let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (interrupted === undefined) {
      interrupted = signal;
      interruptedAt = Date.now();
      running?.kill(signal);
    } else if (signal === 'SIGINT' && Date.now() - interruptedAt >= SAME_CTRL_C_WITHIN_MS) running?.kill('SIGINT');
  });
}

/** Runs one benchmark, passing its output through, and collects its summary rows. */
async function runBenchmark(name: string, flags: readonly string[]): Promise<Outcome> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...flags], {
    // stdin: a pipe only this process writes to; when it ends, the runner is gone (see stopEmulatorsOnInterrupt).
    stdio: ['pipe', 'pipe', 'inherit'],
    // The SDK's Node 20 notice says nothing about a benchmark.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env, [RUNNER_VARIABLE]: '1' },
    detached: true,
  });
  running = child;
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running = undefined;
      // A benchmark that handles interrupts has printed its line; one that died of the signal has not.
      if (interrupted !== undefined && signal !== null) console.error(`bench ${name}: interrupted (${interrupted})`);
      resolve(code);
    });
  });
  let rows: SummaryRow[] | undefined;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY })) {
    const parsed = parseRows(line);
    if (parsed) rows = parsed;
    else process.stdout.write(`${line}\n`);
  }
  const code = await exited;
  const seconds = secondsSince(started);
  if (code === 0 && rows !== undefined) return { rows, seconds, ok: true };
  const failure = code === 0 ? 'printed no BENCH_ROWS line' : `exited with ${code}`;
  return { rows: [{ figure: name, measured: `failed: ${failure}`, goal: '-', verdict: 'failed' }], seconds, ok: false };
}

function duration(seconds: number): string {
  return seconds < 90 ? `${seconds.toFixed(0)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

async function main(): Promise<void> {
  const [first, ...rest] = process.argv.slice(2);
  const chosen = BENCHMARKS.find((name) => name === first);
  if (first !== undefined && !first.startsWith('--') && chosen === undefined) {
    console.error(`unknown benchmark '${first}' (one of ${BENCHMARKS.join(', ')})`);
    process.exit(2);
  }
  // `npm run bench -- --quick` passes --quick to every benchmark; a named one gets its own flags.
  const flags = chosen ? rest : process.argv.slice(2);
  const names = chosen ? [chosen] : BENCHMARKS;

  const started = performance.now();
  const loadAtStart = loadLine();
  const rows: SummaryRow[] = [];
  const took: string[] = [];
  let failed = false;
  for (const name of names) {
    if (interrupted !== undefined) break;
    console.log(`\n# ${name}`);
    const loadBefore = load1();
    const outcome = await runBenchmark(name, flags);
    rows.push(...outcome.rows);
    took.push(`${name} ${duration(outcome.seconds)} (load ${loadBefore})`);
    failed ||= !outcome.ok;
  }

  if (interrupted !== undefined) process.exit(128 + (constants.signals[interrupted] ?? 0));
  console.log(`\n# Summary${flags.includes('--quick') ? ' (--quick)' : ''}\n`);
  console.log(`Machine: ${machineLine()}`);
  console.log(`Load average (1/5/15 min): ${loadAtStart} at the start, ${loadLine()} at the end`);
  console.log(
    `Took ${duration(secondsSince(started))}; each benchmark (1-minute load average at its start): ${took.join(', ')}\n`,
  );
  console.log(
    markdownTable(
      ['figure', 'measured', 'goal or comparison', 'verdict'],
      rows.map((r) => [r.figure, r.measured, r.goal, r.verdict]),
    ),
  );
  if (failed) process.exitCode = 1;
}

await main();
