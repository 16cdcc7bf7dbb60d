#!/usr/bin/env node
// The app server of the classic-byoc example (see server.mjs), like gunicorn: a master process that removes a stale
// socket file, then forks workers that share the unix socket BYOC_SOCKET; each worker loads BYOC_MODEL_DIR/weights.json
// ({"coefficients": [..], "intercept": n}, as the linear example) and answers GET /ping and POST /invocations
// (text/csv rows in; JSON out: {"predictions": [...], "modelDir": {"path", "writable"}}).
// The socket is made connectable by anyone (mode 0777), as gunicorn binds it with its default umask of 0, so that
// nginx's unprivileged workers can connect; once it listens, the master tells `serve` (its IPC channel), which then
// starts the front. On SIGTERM the master stops its workers, removes the socket file and exits, as gunicorn does.
import cluster from 'node:cluster';
import { accessSync, chmodSync, constants, readFileSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const socketPath = process.env.BYOC_SOCKET ?? '/tmp/smwf-classic-byoc.sock';
const modelDir = process.env.BYOC_MODEL_DIR ?? '/opt/ml/model';

if (cluster.isPrimary) {
  const workers = Number(process.env.BYOC_WORKERS ?? 2);
  try {
    unlinkSync(socketPath); // a stale socket (or another copy's: the reason fixed paths collide)
  } catch {
    // none
  }
  console.log(`classic-byoc: app master ${process.pid}: ${workers} workers on ${socketPath}`);
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.once('listening', () => {
    chmodSync(socketPath, 0o777);
    process.send?.('listening');
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    try {
      unlinkSync(socketPath);
    } catch {
      // gone already
    }
    process.exit(0);
  });
} else {
  let weights;
  try {
    weights = JSON.parse(readFileSync(join(modelDir, 'weights.json'), 'utf8'));
  } catch (err) {
    console.error(`classic-byoc: worker ${process.pid}: cannot load the model from ${modelDir}: ${err.message}`);
  }
  let writable = true;
  try {
    accessSync(modelDir, constants.W_OK);
  } catch {
    writable = false;
  }
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/ping') {
      res.writeHead(weights ? 200 : 500).end();
      return;
    }
    if (req.method === 'POST' && req.url === '/invocations') {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const rows = Buffer.concat(chunks)
          .toString('utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => line.split(',').map(Number));
        const predictions = rows.map((row) =>
          row.reduce((sum, x, i) => sum + x * (weights.coefficients[i] ?? 0), weights.intercept),
        );
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ predictions, modelDir: { path: modelDir, writable } }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(socketPath, () => console.log(`classic-byoc: worker ${process.pid} ready`));
}
