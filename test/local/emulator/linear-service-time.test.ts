import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/emulator/hosting/ports.ts';

const LINEAR_SERVER = fileURLToPath(new URL('../../../examples/containers/linear/server.mjs', import.meta.url));

describe('examples/containers/linear service time and workers', () => {
  const children: ChildProcess[] = [];
  let modelDir: string;

  beforeAll(async () => {
    modelDir = await mkdtemp(join(tmpdir(), 'smwf-linear-service-'));
    await writeFile(join(modelDir, 'weights.json'), JSON.stringify({ coefficients: [2, 3], intercept: 1 }));
  });

  afterAll(async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }),
    );
  });

  function spawnLinear(env: Record<string, string>, port: number): ChildProcess {
    const child = spawn(process.execPath, [LINEAR_SERVER, 'serve'], {
      env: { ...process.env, SAGEMAKER_BIND_TO_PORT: String(port), SM_MODEL_DIR: modelDir, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    return child;
  }

  async function start(env: Record<string, string>): Promise<string> {
    const port = await freePort();
    spawnLinear(env, port);
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt++) {
      const ok = await fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return url;
      if (attempt > 200) throw new Error('the linear container did not answer /ping');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends `count` predictions at once; returns each one's answer and when it arrived, in ms after sending. */
  async function burst(url: string, count: number): Promise<{ body: string; atMs: number }[]> {
    const started = performance.now();
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const response = await fetch(`${url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'text/csv', accept: 'text/csv' },
          body: `${i},0`,
        });
        return { body: (await response.text()).trim(), atMs: performance.now() - started };
      }),
    );
  }

  it('serves one request at a time per worker, each for the service time', async () => {
    const serviceMs = 80;
    const url = await start({ SMWF_EXAMPLE_SERVICE_MS: String(serviceMs), SAGEMAKER_MODEL_SERVER_WORKERS: '1' });

    const answers = await burst(url, 3);

    expect(answers.map((a) => a.body)).toEqual(['1', '3', '5']);
    // One worker: the k-th answer waits for the k-1 before it, so it cannot come before k service times.
    const times = answers.map((a) => a.atMs).sort((a, b) => a - b);
    times.forEach((atMs, k) => {
      expect(atMs).toBeGreaterThanOrEqual((k + 1) * serviceMs - 1);
    });
  });

  it('serves as many requests at once as it has workers', async () => {
    const serviceMs = 80;
    const url = await start({ SMWF_EXAMPLE_SERVICE_MS: String(serviceMs), SAGEMAKER_MODEL_SERVER_WORKERS: '2' });

    const answers = await burst(url, 4);

    expect(answers.map((a) => a.body)).toEqual(['1', '3', '5', '7']);
    // Two workers: the third and fourth answers wait for the first two.
    const times = answers.map((a) => a.atMs).sort((a, b) => a - b);
    for (const atMs of times) expect(atMs).toBeGreaterThanOrEqual(serviceMs - 1);
    for (const atMs of times.slice(2)) expect(atMs).toBeGreaterThanOrEqual(2 * serviceMs - 1);
  });

  it.each([
    ['SAGEMAKER_MODEL_SERVER_WORKERS', '0', 'SAGEMAKER_MODEL_SERVER_WORKERS must be a whole number >= 1, got "0"'],
    ['SAGEMAKER_MODEL_SERVER_WORKERS', 'two', 'SAGEMAKER_MODEL_SERVER_WORKERS must be a whole number >= 1, got "two"'],
    ['SMWF_EXAMPLE_SERVICE_MS', '-5', 'SMWF_EXAMPLE_SERVICE_MS must be a number of milliseconds >= 0, got "-5"'],
  ])('exits at start, naming %s, when it is %s', async (name, value, message) => {
    const child = spawnLinear({ [name]: value }, await freePort());
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(stderr).toContain(message);
  });
});
