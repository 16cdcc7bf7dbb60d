#!/usr/bin/env node
// Example SageMaker model server (zero dependencies) that answers with what it received, wrapped
// with its own name. Handy to see how multi-container endpoints route: in a Serial pipeline each
// container wraps the previous one's answer; in Direct mode only the targeted container answers.
// Env: SMWF_ECHO_NAME (default "echo"); SMWF_EXAMPLE_FAULT as in ../linear (never-ready, exit-on-start,
// fail-invocations). Reads nothing from SM_MODEL_DIR but reports whether it exists.
// Batch transform (SAGEMAKER_BATCH=true): the answer also reports the batch environment and how many requests
// were in flight when this one arrived; SMWF_ECHO_EXECUTION_PARAMETERS (JSON) is answered at
// GET /execution-parameters; SMWF_ECHO_DELAY_MS holds each answer that long.
// SMWF_ECHO_RAW=true answers the request body unchanged, with the request's Content-Type (a pass-through stage of
// exactly the size it was sent, e.g. to test the limit between the containers of a pipeline).
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';

if (process.argv[2] !== 'serve') {
  console.error('usage: server.mjs serve');
  process.exit(2);
}
const name = process.env.SMWF_ECHO_NAME ?? 'echo';
const fault = process.env.SMWF_EXAMPLE_FAULT ?? '';
if (fault === 'exit-on-start') {
  console.error(`${name}: SMWF_EXAMPLE_FAULT=exit-on-start, exiting before serving`);
  process.exit(1);
}

const batch = process.env.SAGEMAKER_BATCH === 'true';
const executionParameters = process.env.SMWF_ECHO_EXECUTION_PARAMETERS;
const delayMs = Number(process.env.SMWF_ECHO_DELAY_MS ?? 0);
const raw = process.env.SMWF_ECHO_RAW === 'true';
let inFlight = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/execution-parameters' && executionParameters) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(executionParameters);
    return;
  }
  if (req.method === 'GET' && req.url === '/ping') {
    if (fault === 'never-ready') return;
    res.writeHead(200).end();
    return;
  }
  if (req.method === 'POST' && req.url === '/invocations') {
    const chunks = [];
    inFlight += 1;
    const concurrent = inFlight;
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => setTimeout(() => answer(req, res, chunks, concurrent), delayMs));
    return;
  }
  res.writeHead(404).end();
});

function answer(req, res, chunks, concurrent) {
  inFlight -= 1;
  if (fault === 'fail-invocations') {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${name}: injected failure`);
    return;
  }
  const contentType = String(req.headers['content-type'] ?? '');
  if (raw) {
    res.writeHead(200, contentType ? { 'content-type': contentType } : {}).end(Buffer.concat(chunks));
    return;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let received = text;
  if (contentType.startsWith('application/json')) {
    try {
      received = JSON.parse(text);
    } catch {
      // keep the raw text
    }
  }
  const reply = {
    container: name,
    contentType,
    accept: req.headers.accept ?? null,
    customAttributes: req.headers['x-amzn-sagemaker-custom-attributes'] ?? null,
    modelDir: Boolean(process.env.SM_MODEL_DIR && existsSync(process.env.SM_MODEL_DIR)),
    received,
  };
  if (batch) {
    reply.batch = {
      strategy: process.env.SAGEMAKER_BATCH_STRATEGY,
      maxPayloadInMB: process.env.SAGEMAKER_MAX_PAYLOAD_IN_MB,
      maxConcurrentTransforms: process.env.SAGEMAKER_MAX_CONCURRENT_TRANSFORMS,
      inFlight: concurrent,
    };
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
}

server.listen(Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080), '127.0.0.1', () => {
  console.log(`${name}: listening on 127.0.0.1:${process.env.SAGEMAKER_BIND_TO_PORT ?? 8080}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
