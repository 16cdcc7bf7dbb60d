/**
 * CPUUtilization and MemoryUtilization of the /aws/sagemaker/Endpoints namespace, measured from Linux's /proc for the
 * container processes of each instance of each hosted variant, once a second.
 *
 * AWS's definitions (DG monitoring-cloudwatch, "SageMaker AI endpoint instance metrics"): CPUUtilization is "the sum
 * of each individual CPU core's utilization", each core 0-100, so up to 100 x cores; MemoryUtilization is "the
 * percentage of memory that is used by the containers on an instance", 0-100. Here an instance's CPU is the CPU time
 * its container processes (each container's whole process tree) used in the second, as a percent of one core; its
 * memory is their resident memory (VmRSS) as a percent of the machine's memory (`os.totalmem()`), because a local
 * instance has no memory of its own: every instance shares the machine (local/emulator/README.md). Each instance
 * publishes one datapoint of each metric per second, so Average over a period is the mean over instances and seconds.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { parseProcStat } from '../hosting/process-tree.ts';
import type { EndpointDimensions, MetricStore } from './metric-store.ts';

/** One instance of a hosted variant: the main process ids of its containers (each container's tree is counted). */
interface SampledInstance {
  rootPids(): readonly number[];
}

/** A hosted variant and its instances, as the sampler sees it. */
interface SampledVariant extends EndpointDimensions {
  instances: readonly SampledInstance[];
}

/** How often process trees are read again (a container may start workers after its ping check). */
const TREE_REFRESH_MS = 5000;

interface InstanceState {
  atMs: number;
  ticks: Map<number, number>;
}

interface ProcSample {
  ticks: number;
  rssBytes: number;
}

function clockTicksPerSecond(): Promise<number> {
  return new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], (err, stdout) => {
      const value = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(value) && value > 0 ? value : 100);
    });
  });
}

async function readProc(pid: number): Promise<ProcSample | undefined> {
  try {
    const [stat, status] = await Promise.all([
      readFile(`/proc/${pid}/stat`, 'latin1'),
      readFile(`/proc/${pid}/status`, 'latin1'),
    ]);
    // Fields after the command's closing parenthesis: state is field 3, utime 14 and stime 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    if (fields[0] === 'Z' || !Number.isFinite(ticks)) return undefined;
    return { ticks, rssBytes: rssKb * 1024 };
  } catch {
    return undefined; // gone
  }
}

/** Samples every hosted variant's instances once a second into the metric store (Linux only). */
export class UtilizationSampler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticksPerSecond = 100;
  private readonly states = new WeakMap<SampledInstance, InstanceState>();
  /** Each root's process tree (pids), and when it was read. */
  private trees = new Map<number, number[]>();
  private treesAt = 0;

  constructor(
    private readonly store: MetricStore,
    private readonly source: () => readonly SampledVariant[],
    private readonly intervalMs = 1000,
  ) {}

  /** Starts sampling (a no-op where there is no /proc). */
  async start(): Promise<void> {
    if (process.platform !== 'linux' || this.timer) return;
    this.ticksPerSecond = await clockTicksPerSecond();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample of every instance; skipped while the previous one is still reading. */
  async sample(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const variants = this.source();
      if (variants.length === 0) return;
      const roots = variants.flatMap((v) => v.instances.flatMap((i) => i.rootPids()));
      const now = Date.now();
      if (now - this.treesAt > TREE_REFRESH_MS || roots.some((r) => !this.trees.has(r))) {
        this.trees = await this.readTrees(roots);
        this.treesAt = now;
      }
      const memory = totalmem();
      await Promise.all(
        variants.flatMap((variant) =>
          variant.instances.map(async (instance) => {
            const pids = instance.rootPids().flatMap((root) => this.trees.get(root) ?? [root]);
            const samples = await Promise.all(pids.map(async (pid) => [pid, await readProc(pid)] as const));
            const atMs = Date.now();
            const ticks = new Map<number, number>();
            let rss = 0;
            for (const [pid, sample] of samples) {
              if (!sample) continue;
              ticks.set(pid, sample.ticks);
              rss += sample.rssBytes;
            }
            const previous = this.states.get(instance);
            this.states.set(instance, { atMs, ticks });
            if (!previous) return;
            let used = 0;
            for (const [pid, value] of ticks) {
              const before = previous.ticks.get(pid);
              // A process first seen now counts from now on: its earlier CPU time was spent before this second.
              if (before !== undefined) used += Math.max(0, value - before);
            }
            const seconds = (atMs - previous.atMs) / 1000;
            if (seconds <= 0) return;
            const cpuPercent = (used / this.ticksPerSecond / seconds) * 100;
            this.store.recordUtilization(variant, atMs, cpuPercent, (rss / memory) * 100);
          }),
        ),
      );
    } finally {
      this.running = false;
    }
  }

  /** The living processes of each root's tree: the root, its descendants, and the rest of its process group. */
  private async readTrees(roots: readonly number[]): Promise<Map<number, number[]>> {
    const entries = (await readdir('/proc').catch(() => [] as string[])).filter((e) => /^\d+$/.test(e));
    const stats = await Promise.all(
      entries.map(async (entry) => {
        try {
          return parseProcStat(await readFile(`/proc/${entry}/stat`, 'latin1'));
        } catch {
          return undefined;
        }
      }),
    );
    const children = new Map<number, number[]>();
    const groups = new Map<number, number[]>();
    const alive = new Set<number>();
    for (const stat of stats) {
      if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
      alive.add(stat.pid);
      children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat.pid]);
      groups.set(stat.pgrp, [...(groups.get(stat.pgrp) ?? []), stat.pid]);
    }
    const trees = new Map<number, number[]>();
    for (const root of roots) {
      const found = new Set<number>();
      const queue = [root, ...(groups.get(root) ?? [])];
      for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
        if (found.has(pid) || !alive.has(pid)) continue;
        found.add(pid);
        queue.push(...(children.get(pid) ?? []));
      }
      trees.set(root, [...found]);
    }
    return trees;
  }
}
