/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's peak RSS is not another's), then
 * one table with every figure of the run and a line naming the machine. Each benchmark prints its details and
 * hands its summary rows over as its last stdout line (`BENCH_ROWS <json>`, see bench/summary.ts).
 *
 *   npm run bench                                  # everything (about 7 minutes on a 2-core VM)
 *   npm run bench -- --quick                       # smaller model and data, fewer loads (about 3 minutes)
 *   npm run bench -- <name> [flags]                # one benchmark, e.g. `npm run bench -- package-model --4gib`
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { load1, loadLine, machineLine, markdownTable, parseRows, type SummaryRow, secondsSince } from './summary.ts';

/** In the order of the combined table. */
const BENCHMARKS = [
  'wait-loop',
  'lambda-bundles',
  'package-model',
  'batch-transform',
  'emulator-invoke',
  'permissions',
  'async-inference',
  'multi-model',
  'cli',
] as const;

interface Outcome {
  readonly rows: SummaryRow[];
  readonly seconds: number;
  readonly ok: boolean;
}

/** Runs one benchmark, passing its output through, and collects its summary rows. */
async function runBenchmark(name: string, flags: readonly string[]): Promise<Outcome> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...flags], {
    stdio: ['inherit', 'pipe', 'inherit'],
    // The SDK's Node 20 notice says nothing about a benchmark.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env },
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
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
    console.log(`\n# ${name}`);
    const loadBefore = load1();
    const outcome = await runBenchmark(name, flags);
    rows.push(...outcome.rows);
    took.push(`${name} ${duration(outcome.seconds)} (load ${loadBefore})`);
    failed ||= !outcome.ok;
  }

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
