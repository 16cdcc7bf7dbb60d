/**
 * What every benchmark shares: the summary rows it hands to `bench/run.ts` (its last stdout line,
 * `BENCH_ROWS <json>`), table rendering, percentiles, and the line naming the machine.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** One row of the combined table: what was measured, the value, what it is compared with, and the verdict. */
export interface SummaryRow {
  readonly figure: string;
  readonly measured: string;
  /** The goal or the comparison it is judged against. */
  readonly goal: string;
  /** `met`, `missed`, or a note when there is no goal. */
  readonly verdict: string;
}

/** The prefix of the stdout line that carries a benchmark's summary rows. */
const ROWS_PREFIX = 'BENCH_ROWS ';

/** Prints the summary rows as the benchmark's last stdout line, for the runner to collect. */
export function reportRows(rows: readonly SummaryRow[]): void {
  process.stdout.write(`${ROWS_PREFIX}${JSON.stringify(rows)}\n`);
}

/** The summary rows in a benchmark's stdout (its `BENCH_ROWS` line), or undefined when it printed none. */
export function parseRows(line: string): SummaryRow[] | undefined {
  if (!line.startsWith(ROWS_PREFIX)) return undefined;
  return JSON.parse(line.slice(ROWS_PREFIX.length)) as SummaryRow[];
}

/** `met` or `missed`. */
export function verdict(met: boolean): string {
  return met ? 'met' : 'missed';
}

/** A Markdown table with aligned columns. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? '').length)));
  const render = (row: readonly string[]) => `| ${widths.map((w, i) => (row[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [render(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(render)].join('\n');
}

/** The `p`-th percentile (0-100) of `values`, nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Milliseconds since `started` (a `performance.now()` reading), in seconds. */
export function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/** Whether the benchmark was asked for a short run (`--quick`). */
export function isQuick(args: readonly string[] = process.argv.slice(2)): boolean {
  return args.includes('--quick');
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (pretty) return `${pretty} (${type()} ${release()})`;
  } catch {
    // Not Linux, or no os-release: the kernel's name below.
  }
  return `${type()} ${release()}`;
}

/** Whether the CPU says it runs under a hypervisor (Linux only). */
function isVirtualMachine(): boolean {
  try {
    return /^flags\s*:.*\bhypervisor\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** CPU model, cores, memory, Node version and OS of this machine. */
export function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = `${availableParallelism()} cores${isVirtualMachine() ? ' (virtual machine)' : ''}`;
  const memory = `${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM`;
  return `${model}, ${cores}, ${memory}, Node ${process.version}, ${osName()}`;
}

/** The 1-minute load average, e.g. `0.52`. */
export function load1(): string {
  return (loadavg()[0] ?? 0).toFixed(2);
}

/** The 1, 5 and 15 minute load averages, e.g. `0.52 / 1.10 / 1.31`. */
export function loadLine(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

/** Linux's USER_HZ, the unit of /proc's CPU times (100 on every common platform). */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system) used so far, in microseconds, from /proc (Linux; 0 elsewhere): by process `pid` (every
 * thread it has run, ended ones included), or with `'thread-self'` by the calling thread alone.
 */
export function cpuMicros(pid: number | 'thread-self' | undefined): number {
  return pid === undefined ? 0 : procStatMicros(`/proc/${pid}/stat`, 11);
}

/** CPU time (user + system) of this process's children that have ended and been waited for, in microseconds. */
export function endedChildrenCpuMicros(): number {
  return procStatMicros('/proc/self/stat', 13);
}

/**
 * Bytes this process has made the kernel fetch from storage (`read_bytes` of /proc/self/io: page cache misses, not
 * reads the cache answered), or 0 off Linux.
 */
export function storageReadBytes(): number {
  try {
    return Number(/^read_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The sum of two adjacent clock-tick fields of a /proc stat file (utime+stime at 11, cutime+cstime at 13), in µs. */
function procStatMicros(path: string, field: number): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[field]) + Number(fields[field + 1])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Set by `npm run bench` (bench/run.ts) for the benchmarks it runs, whose stdin is then its pipe. */
export const RUNNER_VARIABLE = 'SMWF_BENCH_RUNNER';
