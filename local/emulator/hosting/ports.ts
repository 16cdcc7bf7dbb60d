/** TCP ports for model servers on 127.0.0.1 (SAGEMAKER_BIND_TO_PORT). */
import { createServer } from 'node:net';

/** Ports handed out recently, so two containers starting at once never get the same one. */
const recentPorts: number[] = [];

/** Finds a free TCP port on 127.0.0.1 that was not handed out recently. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await probePort();
    if (!recentPorts.includes(port)) {
      recentPorts.push(port);
      if (recentPorts.length > 256) recentPorts.shift();
      return port;
    }
  }
  return probePort();
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
