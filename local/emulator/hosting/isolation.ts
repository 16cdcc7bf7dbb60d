/**
 * The opt-in isolation mode of the images file (`"isolation": "namespaces"`): each container process runs in fresh
 * PID, mount and network namespaces (Linux, root), so a program written for SageMaker runs unchanged: it listens
 * on port 8080, reads its model from /opt/ml/model (read-only) and has a /tmp of its own. The emulator reaches it
 * through a unix socket that a relay inside the namespace connects to 127.0.0.1:8080. See namespace-init.mjs.
 */

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The port a program listens on in its network namespace, as in a SageMaker container. */
export const ISOLATED_PORT = 8080;
/** Where the model is mounted, read-only, in the container's mount namespace. */
export const ISOLATED_MODEL_DIR = '/opt/ml/model';
/** The program run as process 1 of the namespaces: mounts, loopback, relay, then the container's command. */
const NAMESPACE_INIT = fileURLToPath(new URL('./namespace-init.mjs', import.meta.url));

/** What the isolation mode needs to know about the host (injectable for tests). */
export interface HostFacts {
  platform: NodeJS.Platform;
  /** The effective user id; undefined where there is none (Windows). */
  uid: number | undefined;
  /** Absolute path of an executable found on the PATH (or in /usr/sbin, /sbin), else undefined. */
  findExecutable(name: string): string | undefined;
  /** True when `path` is a directory. */
  isDirectory(path: string): boolean;
}

/** The facts of the host the emulator runs on. */
export function hostFacts(): HostFacts {
  return {
    platform: process.platform,
    uid: process.geteuid?.(),
    findExecutable(name) {
      const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter((d) => d !== '');
      for (const dir of dirs) {
        const candidate = join(dir, name);
        try {
          accessSync(candidate, constants.X_OK);
          if (statSync(candidate).isFile()) return candidate;
        } catch {
          // not here
        }
      }
      return undefined;
    },
    isDirectory(path) {
      try {
        return statSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

/** The programs the namespace init runs, by absolute path. */
export interface IsolationTools {
  unshare: string;
  ip: string;
  mount: string;
}

/**
 * The tools isolation mode runs on this host, or why it cannot run here (a clause, `which needs ...`, that ends a
 * FailureReason).
 * Never a fallback: an image that asks for isolation runs isolated or not at all.
 */
export function isolationTools(facts: HostFacts): IsolationTools | { unsupported: string } {
  if (facts.platform !== 'linux') {
    return { unsupported: `which needs Linux namespaces; the emulator runs on ${facts.platform}` };
  }
  if (facts.uid !== 0) {
    return {
      unsupported: `which needs root to create mount and network namespaces; the emulator runs as uid ${facts.uid}`,
    };
  }
  const unshare = facts.findExecutable('unshare');
  if (!unshare) return { unsupported: 'which needs the unshare command (util-linux), not found on the PATH' };
  const mount = facts.findExecutable('mount');
  if (!mount) return { unsupported: 'which needs the mount command (util-linux), not found on the PATH' };
  const ip = facts.findExecutable('ip');
  if (!ip) {
    return {
      unsupported:
        'which needs the ip command (iproute2) to bring up the loopback interface of the network namespace, not found on the PATH',
    };
  }
  if (!facts.isDirectory('/opt')) {
    return { unsupported: 'which needs the directory /opt on the host, where /opt/ml is mounted in each namespace' };
  }
  return { unshare, ip, mount };
}

/** What the namespace init is told (as JSON, its one argument). */
interface NamespaceConfig {
  ip: string;
  mount: string;
  /** The extracted model on the host, mounted read-only at /opt/ml/model. */
  modelDir: string;
  /** A host folder of this container process: the mount point of the namespace's scratch tmpfs (`ns`) and the relay socket. */
  scratchDir: string;
  /** The unix socket the relay listens on (in `scratchDir`). */
  relaySocket: string;
  /** The port the relay connects to inside the namespace. */
  port: number;
  /** The container's command, `serve` included. */
  command: string[];
  /**
   * Host folders under /tmp the command needs (its working directory, the folders of its files): bound into the
   * namespace's private /tmp at the same paths, so a project checked out under /tmp still runs.
   */
  keepPaths: string[];
}

/** The folders under the host's /tmp that a command run in `cwd` needs to see inside the namespace. */
export function hostTmpPathsOf(command: readonly string[], cwd: string): string[] {
  const underTmp = (path: string) => path.startsWith('/tmp/');
  const folders = [cwd, ...command.filter((word) => isAbsolute(word)).map((word) => dirname(word))];
  return [...new Set(folders.filter(underTmp))].filter(
    (folder, _, all) => !all.some((other) => other !== folder && folder.startsWith(`${other}/`)),
  );
}

/** The argv that runs a container's command in fresh PID, mount and network namespaces. */
export function isolatedArgv(tools: IsolationTools, config: NamespaceConfig): string[] {
  return [
    tools.unshare,
    '--pid',
    '--fork',
    '--kill-child',
    '--mount-proc',
    '--mount',
    '--propagation',
    'private',
    '--net',
    '--',
    process.execPath,
    NAMESPACE_INIT,
    JSON.stringify(config),
  ];
}
