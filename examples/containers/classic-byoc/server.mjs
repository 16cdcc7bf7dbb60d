#!/usr/bin/env node
// A model server written like a classic bring-your-own-container (BYOC) image: the shape of AWS's scikit-learn
// sample (a `serve` program that starts nginx and gunicorn, gunicorn forking Flask workers), in Node, with the same
// habits and no dependencies:
//   - `serve` (this file) is the front proxy, like nginx: it listens on the fixed port 8080 and forwards every
//     request to the app server over the fixed unix socket /tmp/smwf-classic-byoc.sock;
//   - it starts the app server (app.mjs, like gunicorn), which forks worker processes that load the model from the
//     fixed path /opt/ml/model/weights.json and answer /ping and /invocations;
//   - on SIGTERM it exits at once without stopping the app server, like a shell `serve` script that traps nothing:
//     only a stop that signals the whole process group (or namespace) ends the workers.
// It ignores SAGEMAKER_BIND_TO_PORT, SM_MODEL_DIR and TMPDIR, so it runs unchanged only where port 8080, /opt/ml/model
// and /tmp are its own: the emulator's isolation mode.
//
// Switches (environment):
//   BYOC_PORTABLE=true  the changes that make it run without isolation: listen on SAGEMAKER_BIND_TO_PORT, read the
//                       model from SM_MODEL_DIR, put the socket in TMPDIR (each falls back to the fixed value)
//   BYOC_PORT=N         listen on N instead of 8080, and
//   BYOC_SOCKET=PATH    use PATH instead of /tmp/smwf-classic-byoc.sock: tests run it as a plain process with both, to
//                       show a fixed port that is not SAGEMAKER_BIND_TO_PORT without depending on (or touching) the
//                       machine's port 8080 and /tmp
//   BYOC_WORKERS=N      app server workers (default 2)
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

if (process.argv[2] !== 'serve') {
  console.error('usage: server.mjs serve');
  process.exit(2);
}

const portable = process.env.BYOC_PORTABLE === 'true';
const port = Number((portable ? process.env.SAGEMAKER_BIND_TO_PORT : process.env.BYOC_PORT) ?? 8080);
const modelDir = portable ? (process.env.SM_MODEL_DIR ?? '/opt/ml/model') : '/opt/ml/model';
const socketPath = portable
  ? join(process.env.TMPDIR ?? '/tmp', 'smwf-classic-byoc.sock')
  : (process.env.BYOC_SOCKET ?? '/tmp/smwf-classic-byoc.sock');

console.log(`classic-byoc: serve ${process.pid}: front on 127.0.0.1:${port}, app server on ${socketPath}`);
const app = spawn(process.execPath, [fileURLToPath(new URL('./app.mjs', import.meta.url))], {
  stdio: 'inherit',
  env: { ...process.env, BYOC_MODEL_DIR: modelDir, BYOC_SOCKET: socketPath },
});
app.on('exit', (code, signal) => {
  console.error(`classic-byoc: the app server ended (${signal ?? `code ${code}`}), stopping`);
  process.exit(1);
});

const front = createServer((req, res) => {
  const upstream = request({ socketPath, path: req.url, method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (err) => {
    // nginx answers 502 when the app server's socket is not there (yet).
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`classic-byoc: app server unavailable: ${err.message}`);
  });
  req.pipe(upstream);
});
front.on('error', (err) => {
  console.error(`classic-byoc: cannot listen on port ${port}: ${err.message}`);
  process.exit(1);
});
front.listen(port, '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
