/**
 * What Linux's /proc says about a container's processes: which are still alive (a zombie is not), which belong to
 * its tree, and which TCP ports they listen on. Elsewhere (no /proc) the answers fall back to `kill(pid, 0)` or are
 * unknown.
 */

import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';

/** One line of `/proc/<pid>/stat`, the fields the emulator needs. */
export interface ProcStat {
  pid: number;
  /** `R`, `S`, `D`, `Z` (zombie: exited, not yet reaped), ... */
  state: string;
  ppid: number;
  pgrp: number;
  /** When the process started, in clock ticks since boot: with the pid, it names one process (pids are reused). */
  startTime: number;
}

/** Parses `/proc/<pid>/stat`; the command name may hold spaces and parentheses, so fields count from its last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isInteger(pid)) return undefined;
  // Fields 3 (state) to 5 (pgrp), and 22 (starttime), counted as in proc(5).
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const [state, ppid, pgrp] = fields;
  const startTime = fields[19];
  if (state === undefined || ppid === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { pid, state, ppid: Number(ppid), pgrp: Number(pgrp), startTime: Number(startTime) };
}

/** True where /proc tells processes apart (Linux). */
export const hasProc = process.platform === 'linux';

/** The `/proc/<pid>/stat` of one process, or undefined when it does not exist (or there is no /proc). */
export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process /proc shows, zombies included. */
export function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** False for a zombie (exited, not yet reaped) or a dead process. */
export const living = (stat: ProcStat) => stat.state !== 'Z' && stat.state !== 'X';

/** True while the process exists and is not a zombie (a zombie has exited: only its parent has not reaped it). */
export function processAlive(pid: number): boolean {
  if (hasProc) {
    const stat = readStat(pid);
    return stat !== undefined && living(stat);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True while some process of the group is alive (zombies do not count). */
export function groupAlive(pgid: number): boolean {
  if (hasProc) return allProcesses().some((p) => p.pgrp === pgid && living(p));
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The living processes of a container: `root`, its descendants, and whatever else is still in `root`'s group. */
export function processTree(root: number): ProcStat[] {
  if (!hasProc) return [{ pid: root, state: 'R', ppid: process.pid, pgrp: root, startTime: 0 }];
  const processes = new Map(
    allProcesses()
      .filter(living)
      .map((p) => [p.pid, p]),
  );
  const children = new Map<number, number[]>();
  for (const p of processes.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const found = new Map<number, ProcStat>();
  const queue = [root, ...[...processes.values()].filter((p) => p.pgrp === root).map((p) => p.pid)];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const stat = processes.get(pid);
    if (!stat || found.has(pid)) continue;
    found.set(pid, stat);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...found.values()];
}

/** A TCP socket in the LISTEN state, from `/proc/<pid>/net/tcp` or `tcp6`. */
interface ListeningSocket {
  inode: string;
  port: number;
}

/** The LISTEN entries (state 0A) of a `/proc/net/tcp` or `tcp6` table. */
export function parseListeningSockets(table: string): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (!local || state !== '0A' || !inode) continue;
    const port = local.split(':')[1];
    if (!port) continue;
    out.push({ inode, port: Number.parseInt(port, 16) });
  }
  return out;
}

/** Bytes asked of /proc at a time: about one line of a TCP table, so that Linux writes out no more than is read. */
const TABLE_LINE_BYTES = 160;

/**
 * The start of a /proc table, up to (not including) its first line after the header that `keep` refuses; '' when it
 * cannot be read. Read a line's worth at a time: Linux writes a table out as it is read.
 */
function readTableWhile(path: string, keep: (line: string) => boolean): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const chunk = Buffer.alloc(TABLE_LINE_BYTES);
    let text = '';
    let checked = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return text;
      text += chunk.toString('latin1', 0, read);
      for (let end = text.indexOf('\n', checked); end !== -1; end = text.indexOf('\n', checked)) {
        const line = text.slice(checked, end);
        if (checked > 0 && !keep(line)) return text.slice(0, checked);
        checked = end + 1;
      }
    }
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

/** True when the line of a TCP table is a socket in the LISTEN state (0A). */
const isListening = (line: string) => line.trim().split(/\s+/)[3] === '0A';

/**
 * The TCP sockets that listen in `pid`'s network namespace (`/proc/<pid>/net/tcp` and `tcp6`); none when unreadable.
 * Linux lists every listening socket before any other (it walks its listening hash, then the established one), and
 * writing out the rest of a table walks every bucket of the established hash: milliseconds a table on this
 * machine, whatever the number of connections, at every container start. So each table is read up to its first line
 * in another state, and tcp6 not at all when the namespace has no IPv6 TCP socket (`sockstat6`: `TCP6: inuse 0`).
 */
export function readListeningSockets(pid: number): ListeningSocket[] {
  const v4 = parseListeningSockets(readTableWhile(`/proc/${pid}/net/tcp`, isListening));
  let sockstat6 = '';
  try {
    sockstat6 = readFileSync(`/proc/${pid}/net/sockstat6`, 'utf8');
  } catch {
    return v4; // no IPv6 in this kernel, and no tcp6 table
  }
  if (/^TCP6: inuse 0\b/m.test(sockstat6)) return v4;
  return [...v4, ...parseListeningSockets(readTableWhile(`/proc/${pid}/net/tcp6`, isListening))];
}

/**
 * The TCP ports the processes listen on, sorted and without repeats, each process read in its own network
 * namespace; undefined when /proc cannot tell (not Linux).
 */
export function listeningPorts(pids: number[]): number[] | undefined {
  if (!hasProc) return undefined;
  const ports = new Set<number>();
  for (const pid of pids) {
    const inodes = socketInodes(pid);
    if (inodes === undefined) continue;
    for (const socket of readListeningSockets(pid)) if (inodes.has(socket.inode)) ports.add(socket.port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** The inodes of the sockets a process holds open (its `/proc/<pid>/fd` links `socket:[inode]`), or undefined. */
export function socketInodes(pid: number): Set<string> | undefined {
  try {
    return new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return match?.[1] ? [match[1]] : [];
        } catch {
          return [];
        }
      }),
    );
  } catch {
    return undefined;
  }
}

/** The environment a process started with (`NAME=value` entries); empty when unreadable. */
export function environmentOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** This boot of the machine (`/proc/sys/kernel/random/boot_id`): start times count from it. Undefined off Linux. */
export function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}
