#!/usr/bin/env node
// A model server written like a classic bring-your-own-container (BYOC) image: the shape of AWS's scikit-learn
// sample (a `serve` program that starts nginx and gunicorn, gunicorn forking Flask workers), in Node, with the same
// habits and no dependencies:
//   - `serve` (this file) is the front proxy, like nginx: its master process binds the fixed port 8080 and its worker
//     processes forward every request to the app server over the fixed unix socket /tmp/smwf-classic-byoc.sock.
//     Started as root, the workers run as nobody (uid and gid 65534), as nginx's do when its master runs as root;
//   - it starts the app server (app.mjs, like gunicorn), which forks worker processes that load the model from the
//     fixed path /opt/ml/model/weights.json and answer /ping and /invocations; the front starts once the app server
//     listens (its socket is there);
//   - on SIGTERM it exits at once without stopping the app server, like a shell `serve` script that traps nothing:
//     only a stop that signals the whole process group (or namespace) ends the workers.
// It ignores SAGEMAKER_BIND_TO_PORT, SM_MODEL_DIR and TMPDIR, so it runs unchanged only where port 8080, /opt/ml/model
// and /tmp are its own: the emulator's isolation mode.
//
// Switches (environment):
//   BYOC_PORTABLE=true  the changes that make it run without isolation: listen on SAGEMAKER_BIND_TO_PORT, read the
//                       model from SM_MODEL_DIR, put the socket in TMPDIR (each falls back to the fixed value)
//   BYOC_PORT=N         listen on N instead of 8080 (without BYOC_PORTABLE), and
//   BYOC_SOCKET=PATH    use PATH instead of /tmp/smwf-classic-byoc.sock (or its TMPDIR form): tests run it as a plain
//                       process with both, to show a fixed port or socket path without depending on (or touching)
//                       the machine's port 8080 and /tmp
//   BYOC_MODEL_DIR=DIR  read the model from DIR instead (e.g. the fixed /opt/ml/model with BYOC_PORTABLE=true)
//   BYOC_WORKERS=N      app server workers (default 2)
//   BYOC_FRONT_WORKERS=N  front workers (default 1)
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv[2] !== 'serve') {
  console.error('usage: server.mjs serve');
  process.exit(2);
}

const portable = process.env.BYOC_PORTABLE === 'true';
const port = Number((portable ? process.env.SAGEMAKER_BIND_TO_PORT : process.env.BYOC_PORT) ?? 8080);
const modelDir =
  process.env.BYOC_MODEL_DIR ?? (portable ? (process.env.SM_MODEL_DIR ?? '/opt/ml/model') : '/opt/ml/model');
const socketPath =
  process.env.BYOC_SOCKET ??
  (portable ? join(process.env.TMPDIR ?? '/tmp', 'smwf-classic-byoc.sock') : '/tmp/smwf-classic-byoc.sock');
/** nginx's `user nobody;` (its default when the master runs as root): uid and gid 65534. */
const UNPRIVILEGED = 65534;

if (cluster.isPrimary) {
  console.log(`classic-byoc: serve ${process.pid}: front on 127.0.0.1:${port}, app server on ${socketPath}`);
  const app = spawn(process.execPath, [fileURLToPath(new URL('./app.mjs', import.meta.url))], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BYOC_MODEL_DIR: modelDir, BYOC_SOCKET: socketPath },
  });
  app.on('exit', (code, signal) => {
    console.error(`classic-byoc: the app server ended (${signal ?? `code ${code}`}), stopping`);
    process.exit(1);
  });
  app.once('message', () => {
    // The app server listens: start the front's workers (the master binds the port for them, as nginx's does).
    const workers = Number(process.env.BYOC_FRONT_WORKERS ?? 1);
    for (let i = 0; i < workers; i++) cluster.fork();
  });
  cluster.on('exit', (worker, code) => {
    console.error(`classic-byoc: front worker ${worker.process.pid} ended (code ${code}), stopping`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
} else {
  if (process.getuid?.() === 0) {
    process.setgroups?.([]);
    process.setgid?.(UNPRIVILEGED);
    process.setuid?.(UNPRIVILEGED);
  }
  const front = createServer((req, res) => {
    const upstream = request({ socketPath, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      // nginx answers 502 when it cannot reach the app server's socket (missing, or not allowed: EACCES).
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`classic-byoc: app server unavailable: ${err.message}`);
    });
    req.pipe(upstream);
  });
  front.on('error', (err) => {
    console.error(`classic-byoc: cannot listen on port ${port}: ${err.message}`);
    process.exit(1);
  });
  front.listen(port, '127.0.0.1', () =>
    console.log(`classic-byoc: front worker ${process.pid} (uid ${process.getuid?.()}) ready`),
  );
}
