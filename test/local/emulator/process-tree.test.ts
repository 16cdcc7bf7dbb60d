import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  listeningPorts,
  parseListeningSockets,
  parseProcStat,
  processAlive,
  processTree,
  readListeningSockets,
  socketInodes,
} from '../../../local/emulator/hosting/process-tree.ts';

// /proc/net/tcp as the kernel prints it: a LISTEN socket on 0.0.0.0:8080 (0x1F90), an established connection, and
// a LISTEN socket on 127.0.0.1:5000 (0x1388).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1388 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4713 1 0000000000000000 100 0 0 10 0
`;

describe('process-tree', () => {
  const started: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, 'exit');
        process.kill(-(child.pid as number), 'SIGKILL'); // its group: the child it started too
        await exited;
      }
    }
  });

  it('reads /proc/<pid>/stat fields (the start time is the 22nd) after a command name holding spaces and parentheses', () => {
    expect(
      parseProcStat(
        '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 117 0 0 0 3 1 0 0 20 0 1 0 987654 11272192 278 18446744073709551615',
      ),
    ).toEqual({ pid: 4242, state: 'S', ppid: 1, pgrp: 4242, startTime: 987654 });
  });

  it('keeps only the LISTEN sockets of a /proc/net/tcp table, with their inode and port', () => {
    expect(parseListeningSockets(TCP)).toEqual([
      { inode: '4711', port: 8080 },
      { inode: '4713', port: 5000 },
    ]);
  });

  it("finds the ports a process's children listen on, and tells a running process from an exited one", async () => {
    // A parent whose child listens on a free port and prints it.
    const parent = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process');
         spawn(process.execPath, ['-e', "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))"], { stdio: 'inherit' });
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
    );
    started.push(parent);
    const [chunk] = (await once(parent.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    const port = Number(chunk.toString().trim());

    const tree = processTree(parent.pid as number);
    const ports = listeningPorts(tree.map((p) => p.pid));
    const aliveBefore = processAlive(parent.pid as number);
    const exited = once(parent, 'exit');
    process.kill(-(parent.pid as number), 'SIGKILL');
    await exited;

    expect(tree.map((p) => p.ppid)).toContain(parent.pid);
    expect(ports).toEqual([port]);
    expect(aliveBefore).toBe(true);
    expect(processAlive(parent.pid as number)).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    'reads every listening socket, IPv4 and IPv6, that the whole /proc tables list, with connections open beside them',
    async () => {
      // Listeners on both families, and connections to them (lines in other states, after the listening ones).
      const servers = await Promise.all(
        ['127.0.0.1', '::1'].map(
          (host) =>
            new Promise<Server>((resolve) => {
              const server = createServer((socket) => socket.resume()).listen(0, host, () => resolve(server));
            }),
        ),
      );
      const connections = await Promise.all(
        servers.map(
          (server) =>
            new Promise<Socket>((resolve) => {
              const { address, port } = server.address() as AddressInfo;
              const socket = connect(port, address, () => resolve(socket));
            }),
        ),
      );
      try {
        const whole = ['tcp', 'tcp6'].flatMap((table) =>
          parseListeningSockets(readFileSync(`/proc/${process.pid}/net/${table}`, 'utf8')),
        );
        const read = readListeningSockets(process.pid);

        // This process's own: other processes of the machine open and close listeners meanwhile.
        const own = socketInodes(process.pid) ?? new Set<string>();
        const ours = (sockets: { inode: string; port: number }[]) =>
          new Set(sockets.filter((socket) => own.has(socket.inode)).map((socket) => socket.port));
        const ports = servers.map((server) => (server.address() as AddressInfo).port);
        expect(ours(read)).toEqual(ours(whole));
        for (const port of ports) expect(ours(read)).toContain(port);
      } finally {
        for (const socket of connections) socket.destroy();
        await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      }
    },
  );
});
