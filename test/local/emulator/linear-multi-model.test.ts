import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../local/emulator/hosting/ports.ts';

const LINEAR_SERVER = fileURLToPath(new URL('../../../examples/containers/linear/server.mjs', import.meta.url));

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** The example linear container in multi-model mode, started directly (no emulator). */
async function startLinear(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [LINEAR_SERVER, 'serve'], {
    env: { ...process.env, SAGEMAKER_MULTI_MODEL: 'true', SAGEMAKER_BIND_TO_PORT: String(port), ...env },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`${url}/ping`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    if (Date.now() > deadline) throw new Error('the linear container did not answer /ping');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json', accept: 'application/json' } }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('examples/containers/linear in multi-model mode', () => {
  const children: ChildProcess[] = [];
  let modelDirs: string[];

  async function start(env: Record<string, string> = {}): Promise<string> {
    const { url, child } = await startLinear(env);
    children.push(child);
    return url;
  }

  beforeAll(async () => {
    const root = await mkdtemp(join(tmpdir(), 'smwf-linear-mme-'));
    modelDirs = [];
    for (let i = 0; i < 5; i++) {
      const dir = join(root, `m${i}`, 'model');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'weights.json'), JSON.stringify({ coefficients: [1], intercept: i * 10 }));
      modelDirs.push(dir);
    }
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

  it('loads, describes, invokes and unloads models like MMS, with 409 and 404 answers', async () => {
    const url = await start();

    const loaded = await call(url, 'POST', '/models', { model_name: 'a', url: modelDirs[1] });
    const again = await call(url, 'POST', '/models', { model_name: 'a', url: modelDirs[1] });
    const described = await call(url, 'GET', '/models/a');
    const predicted = await call(url, 'POST', '/models/a/invoke', [[5]]);
    const unknownGet = await call(url, 'GET', '/models/zz');
    const unknownInvoke = await call(url, 'POST', '/models/zz/invoke', [[5]]);
    const unknownDelete = await call(url, 'DELETE', '/models/zz');
    const unloaded = await call(url, 'DELETE', '/models/a');
    const afterUnload = await call(url, 'POST', '/models/a/invoke', [[5]]);

    expect(loaded).toEqual({ status: 200, body: { status: 'Model "a" registered' } });
    expect(again).toEqual({
      status: 409,
      body: { code: 409, type: 'ConflictStatusException', message: 'Model a is already registered.' },
    });
    expect(described).toEqual({ status: 200, body: { modelName: 'a', modelUrl: modelDirs[1] } });
    expect(predicted).toEqual({ status: 200, body: { predictions: [15] } });
    for (const answer of [unknownGet, unknownInvoke, unknownDelete]) {
      expect(answer).toEqual({
        status: 404,
        body: { code: 404, type: 'ModelNotFoundException', message: 'Model not found: zz' },
      });
    }
    expect(unloaded.status).toBe(200);
    expect(afterUnload.status).toBe(404);
  });

  it('reads model_name and url from query parameters when the body is not JSON', async () => {
    const url = await start();

    const response = await fetch(`${url}/models?model_name=q&url=${encodeURIComponent(modelDirs[2] as string)}`, {
      method: 'POST',
    });
    const predicted = await call(url, 'POST', '/models/q/invoke', [[1]]);

    expect(response.status).toBe(200);
    expect(predicted.body).toEqual({ predictions: [21] });
  });

  it('lists models sorted by name, in pages of limit with an integer next_page_token', async () => {
    const url = await start();
    for (const name of ['c', 'a', 'b']) await call(url, 'POST', '/models', { model_name: name, url: modelDirs[0] });

    const first = await call(url, 'GET', '/models?limit=2');
    const second = await call(url, 'GET', `/models?limit=2&next_page_token=${first.body.nextPageToken}`);
    const all = await call(url, 'GET', '/models');

    expect(first.body).toEqual({
      models: [
        { modelName: 'a', modelUrl: modelDirs[0] },
        { modelName: 'b', modelUrl: modelDirs[0] },
      ],
      nextPageToken: '2',
    });
    expect(second.body).toEqual({ models: [{ modelName: 'c', modelUrl: modelDirs[0] }] });
    expect((all.body.models as unknown[]).length).toBe(3);
  });

  it('answers 507 to a load beyond SMWF_EXAMPLE_MODEL_CAPACITY, and loads again once one is unloaded', async () => {
    const url = await start({ SMWF_EXAMPLE_MODEL_CAPACITY: '2' });
    await call(url, 'POST', '/models', { model_name: 'a', url: modelDirs[0] });
    await call(url, 'POST', '/models', { model_name: 'b', url: modelDirs[1] });

    const full = await call(url, 'POST', '/models', { model_name: 'c', url: modelDirs[2] });
    await call(url, 'DELETE', '/models/a');
    const retried = await call(url, 'POST', '/models', { model_name: 'c', url: modelDirs[2] });

    expect(full.status).toBe(507);
    expect(full.body.message).toBe('Cannot load model c: this container holds at most 2 models.');
    expect(retried.status).toBe(200);
  });

  it('takes SMWF_EXAMPLE_LOAD_DELAY_MS per load, and a second load meanwhile is a conflict', async () => {
    const url = await start({ SMWF_EXAMPLE_LOAD_DELAY_MS: '300' });

    const started = performance.now();
    const load = call(url, 'POST', '/models', { model_name: 'slow', url: modelDirs[3] });
    const during = await call(url, 'POST', '/models', { model_name: 'slow', url: modelDirs[3] });
    const loaded = await load;
    const took = performance.now() - started;

    expect(during.status).toBe(409);
    expect(loaded.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(290);
  });
});
