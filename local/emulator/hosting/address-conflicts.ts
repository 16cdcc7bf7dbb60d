/**
 * Two plain-process containers share the machine's filesystem and network: a program with a fixed unix socket path
 * (nginx -> `unix:/tmp/gunicorn.sock`) or a port bound with SO_REUSEPORT, run twice, answers the other copy's
 * requests with its own model. This finds, from Linux's /proc, a listening address that a container holds and some
 * other process on the machine holds too, so the container can fail loudly instead of answering for another model.
 */
import { readFileSync } from 'node:fs';
import { allProcesses, environmentOf, living, readListeningSockets, socketInodes } from './process-tree.ts';

/** A listening unix socket of `/proc/net/unix`: its inode and the path it was bound to. */
interface ListeningUnixSocket {
  inode: string;
  path: string;
}

/** `__SO_ACCEPTCON` in the Flags column: the socket listens. */
const ACCEPTING = 0x10000;

/** The listening unix sockets bound to a filesystem path (not abstract, not unnamed) of a `/proc/net/unix` table. */
export function parseListeningUnixSockets(table: string): ListeningUnixSocket[] {
  const out: ListeningUnixSocket[] = [];
  for (const line of table.split('\n').slice(1)) {
    // Num: RefCount Protocol Flags Type St Inode [Path]; the path may hold spaces.
    const match =
      /^\s*[0-9A-Fa-f]+:\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+([0-9A-Fa-f]+)\s+[0-9A-Fa-f]+\s+[0-9A-Fa-f]+\s+(\d+)\s+(\/.*)$/.exec(
        line,
      );
    if (!match) continue;
    const [, flags, inode, path] = match as unknown as [string, string, string, string];
    if ((Number.parseInt(flags, 16) & ACCEPTING) !== 0) out.push({ inode, path });
  }
  return out;
}

/** An address a container listens on that another process listens on too. */
interface AddressConflict {
  kind: 'unix' | 'tcp';
  /** The socket path, or the TCP port. */
  address: string;
  /** A process outside the container that listens on it. */
  otherPid: number;
  /** True when that process belongs to another container of an emulator (it started with SMWF_CONTAINER_ID). */
  otherIsContainer: boolean;
}

function readTable(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The first address the processes `pids` (one container, in the machine's network namespace) listen on that another
 * process listens on as well: a unix socket path (the later copy removed the earlier one's file and bound its own, or
 * the other way round) or a TCP port (SO_REUSEPORT). A process whose environment holds `container.own` (the same
 * container, e.g. a daemon that left its tree) is not another. Undefined when there is none, or off Linux.
 */
export function findAddressConflict(
  pids: readonly number[],
  container: { variable: string; own: string },
): AddressConflict | undefined {
  if (process.platform !== 'linux' || pids.length === 0) return undefined;
  const own = new Set<string>();
  for (const pid of pids) for (const inode of socketInodes(pid) ?? []) own.add(inode);
  if (own.size === 0) return undefined;
  const root = pids[0] as number;
  const unix = parseListeningUnixSockets(readTable(`/proc/${root}/net/unix`));
  const tcp = readListeningSockets(root);
  const clashes: { kind: 'unix' | 'tcp'; address: string; inodes: Set<string> }[] = [];
  for (const mine of unix.filter((s) => own.has(s.inode))) {
    const others = unix.filter((s) => s.path === mine.path && !own.has(s.inode));
    if (others.length > 0)
      clashes.push({ kind: 'unix', address: mine.path, inodes: new Set(others.map((s) => s.inode)) });
  }
  for (const mine of tcp.filter((s) => own.has(s.inode))) {
    const others = tcp.filter((s) => s.port === mine.port && !own.has(s.inode));
    if (others.length > 0) {
      clashes.push({ kind: 'tcp', address: String(mine.port), inodes: new Set(others.map((s) => s.inode)) });
    }
  }
  if (clashes.length === 0) return undefined;
  // Who holds the other socket: rare, so the whole process table is read only now.
  const ownPids = new Set(pids);
  for (const clash of clashes) {
    for (const p of allProcesses()) {
      if (!living(p) || ownPids.has(p.pid) || p.pid === process.pid) continue;
      const inodes = socketInodes(p.pid);
      if (!inodes || ![...clash.inodes].some((inode) => inodes.has(inode))) continue;
      const environment = environmentOf(p.pid);
      if (environment.includes(container.own)) continue;
      const otherIsContainer = environment.some((entry) => entry.startsWith(`${container.variable}=`));
      return { kind: clash.kind, address: clash.address, otherPid: p.pid, otherIsContainer };
    }
  }
  return undefined;
}

/** The rest of a FailureReason sentence for a container that listens where another process does. */
export function describeConflict(conflict: AddressConflict): string {
  const holder = conflict.otherIsContainer
    ? `another running container (process ${conflict.otherPid})`
    : `another process on this machine (pid ${conflict.otherPid})`;
  if (conflict.kind === 'unix') {
    return `listens on the unix socket ${conflict.address}, which ${holder} listens on too: two plain-process containers with a fixed socket path answer each other's requests. A program with fixed socket paths runs unchanged in the emulator's isolation mode ("isolation": "namespaces" in the images file), where each container has its own /tmp; otherwise it must keep its sockets under TMPDIR`;
  }
  return `listens on TCP port ${conflict.address}, which ${holder} listens on too: two plain-process containers on one port answer each other's requests. A program with a fixed port runs unchanged in the emulator's isolation mode ("isolation": "namespaces" in the images file); otherwise it must listen on SAGEMAKER_BIND_TO_PORT`;
}
