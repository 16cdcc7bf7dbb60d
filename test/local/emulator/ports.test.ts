import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../local/emulator/hosting/ports.ts';

/** Listens on 127.0.0.1:`port`, then closes: rejects with EADDRINUSE when something holds it. */
function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

describe('the ports handed to model servers', () => {
  it('are free, and never the same twice in a row of starts', async () => {
    const ports = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());

    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) await expect(listenOnce(port)).resolves.toBeUndefined();
  });

  it.runIf(process.platform === 'linux')(
    "are below the range Linux takes outgoing connections' local ports from, which could take one before its server listens",
    async () => {
      const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
      const port = await freePort();

      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(low as number);
    },
  );
});
