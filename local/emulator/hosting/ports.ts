/** TCP ports for model servers on 127.0.0.1 (SAGEMAKER_BIND_TO_PORT). */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports handed out recently, so two containers starting at once never get the same one. */
const recentPorts: number[] = [];

/** The lowest port handed out from below the machine's ephemeral range: above the usual fixed ports of servers. */
const LOWEST_PORT = 20_000;

/** Tries at random ports before falling back to one the system picks. */
const ATTEMPTS = 50;

/**
 * The first port of Linux's range for the local ports of outgoing connections (`ip_local_port_range`), or undefined
 * elsewhere. Read once per process.
 */
let ephemeralStart: { port: number | undefined } | undefined;
function ephemeralRangeStart(): number | undefined {
  ephemeralStart ??= { port: readEphemeralRangeStart() };
  return ephemeralStart.port;
}

function readEphemeralRangeStart(): number | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) ? low : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds a free TCP port on 127.0.0.1 that was not handed out recently, for a process to listen on once it has
 * started. On Linux it is taken below the ephemeral range: a port the system picks (listen on port 0) comes from the
 * range the machine's outgoing connections take their local ports from, and on a machine making thousands of
 * connections one of them could take it in the moment between this check and the model server's listen (it then
 * exits with EADDRINUSE).
 */
export async function freePort(): Promise<number> {
  const rangeStart = ephemeralRangeStart();
  if (rangeStart !== undefined && rangeStart > LOWEST_PORT + ATTEMPTS) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const port = LOWEST_PORT + Math.floor(Math.random() * (rangeStart - LOWEST_PORT));
      if (recentPorts.includes(port) || !(await isFree(port))) continue;
      return handOut(port);
    }
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probePort(0);
    if (!recentPorts.includes(port)) return handOut(port);
  }
  return probePort(0);
}

function handOut(port: number): number {
  recentPorts.push(port);
  if (recentPorts.length > 256) recentPorts.shift();
  return port;
}

/** True when 127.0.0.1:`port` can be listened on now. */
async function isFree(port: number): Promise<boolean> {
  try {
    await probePort(port);
    return true;
  } catch {
    return false;
  }
}

/** Listens on `port` (0: one the system picks) and closes again; resolves with the port. */
function probePort(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
