/**
 * What a container leaves outside the emulator's process, and how none of it outlives the emulator:
 *
 * - a private folder in the machine's temporary directory: `TMPDIR` (mode 1777, in a folder others can traverse, so
 *   it behaves like /tmp for programs that drop privileges, as nginx's workers do) and, isolated, the relay socket;
 * - a record in the state directory (`<stateDir>/containers/<id>.json`: its process id and start time from /proc,
 *   its process group, its private folder and the emulator that started it), removed once none of it runs. The next
 *   emulator on the same state directory stops the recorded containers that still run and are what the record says
 *   (same start time, same boot: pids are reused), and removes their folders, before it hosts endpoints again;
 * - a safety net for when no later start comes: the container is launched through `/bin/sh`, which leaves a watcher
 *   in the container's process group and then `exec`s the command. The watcher holds one end of a socket pair whose
 *   other end only the emulator's process holds; when that process ends, however it ends (SIGKILL, out of memory),
 *   the kernel closes its end, the watcher's read returns, and it sends SIGTERM to the group, SIGKILL after the grace
 *   period, and removes the private folder.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  allProcesses,
  bootId,
  environmentOf,
  hasProc,
  living,
  type ProcStat,
  processAlive,
  readStat,
} from './process-tree.ts';

/** The environment entry every process of a container starts with: `SMWF_CONTAINER_ID=<record id>`. */
export const CONTAINER_ID_VARIABLE = 'SMWF_CONTAINER_ID';
/** The first word of a container's private folder, in the machine's temporary directory. */
const SCRATCH_PREFIX = 'smwf-container-';
/** `$0` of the launching shell, so the watcher is recognisable in `ps`: `sh -c ... smwf-container-watch ...`. */
export const WATCHER_NAME = 'smwf-container-watch';

/**
 * The launch: keep the emulator's end of the socket pair (stdin) as fd 9, start the watcher detached from the shell
 * (a subshell that exits at once, so the watcher is nobody's child and in nobody's `wait`), with nothing else open
 * (an isolated container's status pipe on fd 3 must close when its command ends), then become the command, without
 * fd 9 and with stdin from /dev/null as before. Before the emulator is gone, the watcher dies of the SIGTERM that a
 * stop sends to the group, or of the SIGKILL that ends a container whose main process exited.
 */
const LAUNCH_SCRIPT = `grace=$1; scratch=$2; shift 2
exec 9<&0 </dev/null
( (
    read -r _ <&9
    trap '' TERM
    kill -TERM 0
    sleep "$grace"
    case "$scratch" in */${SCRATCH_PREFIX}*) rm -rf -- "$scratch" ;; esac
    kill -KILL 0
  ) </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- & )
exec "$@" 9<&-`;

/** What the state directory keeps about one container. */
interface ContainerRecord {
  id: string;
  /** The private folder (TMPDIR, relay socket). */
  scratchDir: string;
  /** The emulator that started it: its process and, within it, the emulator instance. */
  owner: { pid: number; startTime?: number; instance: string };
  /** The boot the start times count from. */
  bootId?: string;
  /** The container's main process, also its process group id; absent until it is spawned. */
  pid?: number;
  startTime?: number;
  image: string;
  hostname: string;
  logFile: string;
}

/** One container's record and private folder, from before its spawn until none of its processes runs. */
export interface ContainerEntry {
  readonly id: string;
  readonly scratchDir: string;
  /** TMPDIR of a plain-process container: `<scratchDir>/tmp`. */
  readonly tmpDir: string;
  readonly file: string;
  record: ContainerRecord;
}

/** What a start found left by an emulator that ended without stopping its containers. */
interface Reclaimed {
  /** Records of containers whose emulator is gone. */
  containers: number;
  /** Processes of theirs that were still running, now stopped. */
  processes: number;
}

/** Emulator instances of this process that have not stopped: their records belong to a running emulator. */
const liveInstances = new Set<string>();

let ownStartTime: number | undefined;
function emulatorStartTime(): number | undefined {
  ownStartTime ??= readStat(process.pid)?.startTime;
  return ownStartTime;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The records of one emulator's containers, in `<stateDir>/containers`. */
export class ContainerRecords {
  private readonly instance = randomUUID();

  /**
   * @param dir where records live (`<stateDir>/containers`)
   * @param graceMs the watcher's SIGTERM-to-SIGKILL grace period, as the emulator's stops
   */
  constructor(
    readonly dir: string,
    readonly graceMs: number,
  ) {
    liveInstances.add(this.instance);
  }

  /** The emulator has stopped: what it left recorded (nothing, normally) may be reclaimed by a later start. */
  retire(): void {
    liveInstances.delete(this.instance);
  }

  /** Records a container about to start and creates its private folder (mode 0711) with TMPDIR (mode 1777). */
  async open(about: { image: string; hostname: string; logFile: string }): Promise<ContainerEntry> {
    await mkdir(this.dir, { recursive: true });
    for (;;) {
      const id = randomBytes(6).toString('hex');
      const scratchDir = join(tmpdir(), `${SCRATCH_PREFIX}${id}`);
      const record: ContainerRecord = {
        id,
        scratchDir,
        owner: { pid: process.pid, ...optional('startTime', emulatorStartTime()), instance: this.instance },
        ...about,
      };
      const entry: ContainerEntry = {
        id,
        scratchDir,
        tmpDir: join(scratchDir, 'tmp'),
        file: join(this.dir, `${id}.json`),
        record,
      };
      // Recorded before the folder exists, so no crash leaves a folder nobody knows about.
      writeRecord(entry);
      try {
        mkdirSync(scratchDir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        await unlink(entry.file).catch(() => undefined);
        throw err;
      }
      // Explicit modes, whatever the umask: others may traverse the folder (not list it), and TMPDIR is like /tmp.
      chmodSync(scratchDir, 0o711);
      mkdirSync(entry.tmpDir);
      chmodSync(entry.tmpDir, 0o1777);
      return entry;
    }
  }

  /** The argv that launches `argv` with the safety net; spawn it with the emulator's end of a socket pair as stdin. */
  launchArgv(entry: ContainerEntry, argv: readonly string[]): string[] {
    if (process.platform === 'win32') return [...argv];
    const grace = String(Math.max(0, this.graceMs) / 1000);
    return ['/bin/sh', '-c', LAUNCH_SCRIPT, WATCHER_NAME, grace, entry.scratchDir, ...argv];
  }

  /** Records the spawned main process (its pid is its process group's id) with its start time. */
  launched(entry: ContainerEntry, pid: number): void {
    const stat = readStat(pid);
    entry.record = {
      ...entry.record,
      pid,
      ...optional('startTime', stat?.startTime),
      ...optional('bootId', bootId()),
    };
    writeRecord(entry);
  }

  /** None of the container's processes runs any more: its folder and record go. */
  async close(entry: ContainerEntry): Promise<void> {
    await rm(entry.scratchDir, { recursive: true, force: true }).catch(() => undefined);
    await unlink(entry.file).catch(() => undefined);
  }

  /**
   * Stops what emulators that are gone left running from this state directory (SIGTERM, SIGKILL after the grace
   * period) and removes their private folders and records. Records of an emulator that still runs are left alone.
   */
  async reclaimLeftovers(): Promise<Reclaimed> {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.json'));
    } catch {
      return { containers: 0, processes: 0 };
    }
    const records: ContainerRecord[] = [];
    for (const name of names) {
      try {
        const record = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as ContainerRecord;
        if (!ownerRuns(record.owner)) records.push(record);
      } catch {
        // gone meanwhile, or not a record
      }
    }
    if (records.length === 0) return { containers: 0, processes: 0 };
    const { groups, processes: victims } = leftoverProcesses(records);
    if (victims.length > 0) {
      signal(groups, victims, 'SIGTERM');
      if (!(await allGone(victims, this.graceMs))) {
        signal(groups, victims, 'SIGKILL');
        await allGone(victims, 10_000);
      }
    }
    for (const record of records) {
      // Only a folder of ours: a record is a file anyone who can write the state directory could have edited.
      if (basename(record.scratchDir).startsWith(SCRATCH_PREFIX)) {
        await rm(record.scratchDir, { recursive: true, force: true }).catch(() => undefined);
      }
      await unlink(join(this.dir, `${record.id}.json`)).catch(() => undefined);
    }
    return { containers: records.length, processes: victims.length };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Writes the record atomically (temp file + rename) and synchronously: it is on disk before the spawn goes on. */
function writeRecord(entry: ContainerEntry): void {
  const tmp = `${entry.file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(entry.record)}\n`);
  renameSync(tmp, entry.file);
}

/** True while the emulator that wrote a record still runs (in this process: until it stops). */
function ownerRuns(owner: ContainerRecord['owner']): boolean {
  if (owner.pid === process.pid) return liveInstances.has(owner.instance);
  if (!hasProc) return processAlive(owner.pid);
  const stat = readStat(owner.pid);
  return stat !== undefined && living(stat) && (owner.startTime === undefined || stat.startTime === owner.startTime);
}

/**
 * The processes of the recorded containers that still run: a container's process group when its main process is the
 * recorded one (same pid, same start time, same boot), or, once the main process is gone, the members of its group
 * that started after it did (a process group id is not handed out again while the group has members); and any process
 * that left the group but started with the container's environment entry. Nothing off Linux: without /proc nothing
 * can be verified, so nothing is signalled (the safety net covers it).
 */
function leftoverProcesses(records: ContainerRecord[]): { groups: number[]; processes: ProcStat[] } {
  if (!hasProc) return { groups: [], processes: [] };
  const boot = bootId();
  const processes = allProcesses().filter((p) => living(p) && p.pid !== process.pid);
  const groups: number[] = [];
  const found = new Map<number, ProcStat>();
  const byMarker = new Map<string, ContainerRecord>();
  for (const record of records) {
    const { pid, startTime } = record;
    if (pid === undefined || startTime === undefined) continue;
    if (record.bootId !== undefined && record.bootId !== boot) continue;
    byMarker.set(`${CONTAINER_ID_VARIABLE}=${record.id}`, record);
    const leader = processes.find((p) => p.pid === pid);
    if (leader !== undefined && leader.startTime !== startTime) continue; // the pid was reused: not ours
    if (leader !== undefined) groups.push(pid);
    for (const p of processes) if (p.pgrp === pid && p.startTime >= startTime) found.set(p.pid, p);
  }
  if (byMarker.size > 0) {
    const earliest = Math.min(...[...byMarker.values()].map((r) => r.startTime as number));
    for (const p of processes) {
      if (found.has(p.pid) || p.startTime < earliest) continue;
      for (const marker of environmentEntries(p.pid)) {
        const record = byMarker.get(marker);
        if (record && p.startTime >= (record.startTime as number)) found.set(p.pid, p);
      }
    }
  }
  return { groups, processes: [...found.values()] };
}

/** The `SMWF_CONTAINER_ID=...` entries of a process's starting environment. */
function environmentEntries(pid: number): string[] {
  return environmentOf(pid).filter((entry) => entry.startsWith(`${CONTAINER_ID_VARIABLE}=`));
}

function signal(groups: number[], victims: ProcStat[], name: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, name);
    } catch {
      // gone
    }
  }
  for (const victim of victims) {
    if (!isStill(victim)) continue;
    try {
      process.kill(victim.pid, name);
    } catch {
      // gone
    }
  }
}

/** True while this very process (same pid and start time) runs and is not a zombie. */
function isStill(victim: ProcStat): boolean {
  const now = readStat(victim.pid);
  return now !== undefined && living(now) && now.startTime === victim.startTime;
}

/** Waits until none of `victims` runs, at most `timeoutMs`; true when none does. */
async function allGone(victims: ProcStat[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!victims.some(isStill)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}
