#!/usr/bin/env node
// Example SageMaker model server (zero dependencies): a linear model y = coefficients . x + intercept.
// Container contract: started with the argument `serve`; listens on SAGEMAKER_BIND_TO_PORT (default 8080);
// loads `weights.json` ({"coefficients": [..], "intercept": n}) from SM_MODEL_DIR (default /opt/ml/model);
// answers GET /ping and POST /invocations (text/csv or application/json in, chosen by Accept out).
//
// Fault switches for tests (env SMWF_EXAMPLE_FAULT):
//   never-ready       /ping never answers (the request hangs), so the endpoint fails its startup health check
//   exit-on-start     logs an error and exits with code 1 before listening
//   fail-invocations  /ping is fine, every /invocations answers 500
//   wrong-answers     /ping is fine, predictions are off by 1000 (a health check comparing outputs fails)
//   crash-after-invocation  answers one invocation, then exits with code 3 (the emulator restarts it)
// SMWF_EXAMPLE_STARTUP_DELAY_MS delays listening (a slow-starting model); SMWF_EXAMPLE_SHUTDOWN_DELAY_MS delays the
// shutdown on SIGTERM (a model that takes a while to stop).
//
// Service time and workers (for load tests whose results can be checked against queueing arithmetic):
//   SMWF_EXAMPLE_SERVICE_MS          every prediction takes this long (a timer, not a busy CPU: on a small machine a
//                                    spinning model would steal the CPU the other workers and the caller need, and
//                                    the service time would no longer be the fixed S the arithmetic assumes). A
//                                    worker keeps exact time: a late timer delays one answer, never the next one.
//   SAGEMAKER_MODEL_SERVER_WORKERS   how many predictions are served at once (SageMaker's own variable for a model
//                                    server's worker count); each worker serves one request at a time, and requests
//                                    beyond the workers wait in a first-in first-out queue. Unset: no limit.
// With S ms and W workers one instance sustains at most W * 1000 / S requests per second.
//
// Multi-model mode (SAGEMAKER_MULTI_MODEL=true, set by SageMaker for `Mode: MultiModel` containers): nothing is
// loaded at start; the management API behaves like the Multi Model Server (MMS) SageMaker's MME containers run:
//   POST /models                 {"model_name", "url"} (JSON when Content-Type is application/json, else query
//                                parameters) loads `<url>/weights.json`; 409 "Model X is already registered."
//   GET /models                  {"models": [{"modelName", "modelUrl"}], "nextPageToken"}, sorted by name, paged by
//                                `limit` (default and maximum 100) and the integer `next_page_token`
//   GET /models/<name>           {"modelName", "modelUrl"}, 404 "Model not found: <name>"
//   DELETE /models/<name>        unloads, 404 when not loaded
//   POST /models/<name>/invoke   predicts with that model, 404 when not loaded
// Switches for tests: SMWF_EXAMPLE_MODEL_CAPACITY=N answers 507 to a load while N models are loaded (or loading);
// SMWF_EXAMPLE_LOAD_DELAY_MS makes every load take that long.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const mode = process.argv[2];
if (mode !== 'serve') {
  console.error(`usage: server.mjs serve (got ${mode ?? 'nothing'})`);
  process.exit(2);
}

const fault = process.env.SMWF_EXAMPLE_FAULT ?? '';
const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
const modelDir = process.env.SM_MODEL_DIR ?? '/opt/ml/model';

if (fault === 'exit-on-start') {
  console.error('linear: SMWF_EXAMPLE_FAULT=exit-on-start, exiting before serving');
  process.exit(1);
}

const multiModel = process.env.SAGEMAKER_MULTI_MODEL === 'true';

function loadWeights(dir) {
  const loaded = JSON.parse(readFileSync(join(dir, 'weights.json'), 'utf8'));
  if (!Array.isArray(loaded.coefficients) || typeof loaded.intercept !== 'number') {
    throw new Error('weights.json must look like {"coefficients": [numbers], "intercept": number}');
  }
  return loaded;
}

let weights;
if (!multiModel) {
  try {
    weights = loadWeights(modelDir);
  } catch (err) {
    console.error(`linear: cannot load model from ${modelDir}: ${err.message}`);
    process.exit(1);
  }
}
/** Multi-model mode: model name -> { weights, url, targetModel }. */
const models = new Map();
/** Multi-model mode: names whose load is in progress. */
const loading = new Set();
const modelCapacity = Number(process.env.SMWF_EXAMPLE_MODEL_CAPACITY ?? 0);
const loadDelayMs = Number(process.env.SMWF_EXAMPLE_LOAD_DELAY_MS ?? 0);

const offset = fault === 'wrong-answers' ? 1000 : 0;

function predict(features, model) {
  if (features.length !== model.coefficients.length) {
    throw new Error(`expected ${model.coefficients.length} features, got ${features.length}`);
  }
  const sum = features.reduce((acc, x, i) => acc + x * model.coefficients[i], model.intercept);
  return Math.round((sum + offset) * 1e9) / 1e9;
}

function parseRows(contentType, text) {
  if (contentType.startsWith('application/json')) {
    const body = JSON.parse(text);
    const rows = Array.isArray(body) ? body : (body.instances ?? (body.features ? [body.features] : undefined));
    if (!Array.isArray(rows)) throw new Error('JSON body must be [[..]], {"instances": [[..]]} or {"features": [..]}');
    return rows.map((row) => (Array.isArray(row) ? row : (row.features ?? row)));
  }
  if (contentType.startsWith('text/csv')) {
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => line.split(',').map((v) => Number(v.trim())));
  }
  throw new Error(`unsupported content type: ${contentType}`);
}

function render(accept, predictions) {
  if (accept.includes('text/csv')) return { type: 'text/csv', body: `${predictions.join('\n')}\n` };
  return { type: 'application/json', body: JSON.stringify({ predictions }) };
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function nonNegativeNumber(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`linear: ${name} must be a number of milliseconds >= 0, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

function workerCount() {
  const raw = process.env.SAGEMAKER_MODEL_SERVER_WORKERS;
  if (raw === undefined || raw === '') return Number.POSITIVE_INFINITY;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`linear: SAGEMAKER_MODEL_SERVER_WORKERS must be a whole number >= 1, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

const serviceMs = nonNegativeNumber('SMWF_EXAMPLE_SERVICE_MS');
const workers = workerCount();
/**
 * Free workers, each with the moment its last prediction ended on its own schedule, and the predictions waiting for
 * one (first in, first out). A worker's schedule runs on exact times: a prediction starts when it arrives or when the
 * worker's previous one ended, whichever is later, and ends exactly the service time after that; its answer is sent
 * when the timer fires, at that end or (on a busy machine) a little later. So a late timer delays that answer, but
 * not the worker's next prediction: the service time stays S, and W workers serve W / S predictions per second.
 */
const freeWorkers = [];
let busyWorkers = 0;
const waiting = [];
let nextWaiting = 0;

function dispatch() {
  while (busyWorkers < workers && nextWaiting < waiting.length) {
    const job = waiting[nextWaiting];
    waiting[nextWaiting] = undefined;
    nextWaiting += 1;
    if (nextWaiting === waiting.length) {
      waiting.length = 0;
      nextWaiting = 0;
    }
    busyWorkers += 1;
    job(freeWorkers.pop() ?? { endedAt: 0 });
  }
}

/** Queues a prediction for the next free worker, which holds it for the service time and then answers. */
function answerPrediction(req, res, text, modelWeights) {
  const arrivedAt = performance.now();
  waiting.push((worker) => {
    const endsAt = Math.max(arrivedAt, worker.endedAt) + serviceMs;
    const finish = () => {
      answerNow(req, res, text, modelWeights);
      worker.endedAt = endsAt;
      freeWorkers.push(worker);
      busyWorkers -= 1;
      dispatch();
    };
    if (serviceMs > 0) setTimeout(finish, Math.max(0, endsAt - performance.now()));
    else finish();
  });
  dispatch();
}

function answerNow(req, res, text, modelWeights) {
  if (fault === 'fail-invocations') {
    console.error('linear: SMWF_EXAMPLE_FAULT=fail-invocations, answering 500');
    res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure');
    return;
  }
  try {
    const contentType = String(req.headers['content-type'] ?? 'text/csv');
    const rows = parseRows(contentType, text);
    const predictions = rows.map((row) => predict(row.map(Number), modelWeights));
    const accept = req.headers.accept && req.headers.accept !== '*/*' ? req.headers.accept : contentType;
    const out = render(accept, predictions);
    const headers = { 'content-type': out.type };
    const custom = req.headers['x-amzn-sagemaker-custom-attributes'];
    if (custom) headers['x-amzn-sagemaker-custom-attributes'] = custom;
    res.writeHead(200, headers).end(out.body);
    if (fault === 'crash-after-invocation') {
      console.error('linear: SMWF_EXAMPLE_FAULT=crash-after-invocation, exiting');
      res.on('finish', () => process.exit(3));
    }
  } catch (err) {
    console.error(`linear: bad request: ${err.message}`);
    res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
  }
}

/** MMS-style error body: {"code", "type", "message"}. */
function mmsError(res, code, type, message) {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ code, type, message }, null, 2));
}

/** POST /models: JSON body or query parameters, like MMS. */
async function registerModel(req, res, url, text) {
  const json = (req.headers['content-type'] ?? '').startsWith('application/json');
  let params;
  try {
    params = json ? JSON.parse(text || '{}') : Object.fromEntries(url.searchParams);
  } catch {
    return mmsError(res, 400, 'BadRequestException', 'Invalid JSON body.');
  }
  const modelName = params.model_name;
  const modelUrl = params.url;
  if (typeof modelUrl !== 'string' || modelUrl === '') {
    return mmsError(res, 400, 'BadRequestException', 'Parameter url is required.');
  }
  if (typeof modelName !== 'string' || modelName === '') {
    return mmsError(res, 400, 'BadRequestException', 'Parameter model_name is required.');
  }
  if (models.has(modelName) || loading.has(modelName)) {
    return mmsError(res, 409, 'ConflictStatusException', `Model ${modelName} is already registered.`);
  }
  if (modelCapacity > 0 && models.size + loading.size >= modelCapacity) {
    console.error(`linear: cannot load model ${modelName}: ${modelCapacity} models already loaded`);
    return mmsError(
      res,
      507,
      'InsufficientMemoryException',
      `Cannot load model ${modelName}: this container holds at most ${modelCapacity} models.`,
    );
  }
  loading.add(modelName);
  if (loadDelayMs > 0) await new Promise((r) => setTimeout(r, loadDelayMs));
  loading.delete(modelName);
  try {
    models.set(modelName, { weights: loadWeights(modelUrl), url: modelUrl, targetModel: undefined });
  } catch (err) {
    console.error(`linear: cannot load model ${modelName} from ${modelUrl}: ${err.message}`);
    return mmsError(res, 500, 'InternalServerException', `Failed to load model ${modelName}: ${err.message}`);
  }
  console.log(`linear: loaded model ${modelName} from ${modelUrl}`);
  return res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ status: `Model "${modelName}" registered` }));
}

/** GET /models: sorted by name, `limit` (<= 100) per page from the integer `next_page_token`, like MMS. */
function listModels(res, url) {
  const intParam = (name, fallback) => {
    const value = Number.parseInt(url.searchParams.get(name) ?? '', 10);
    return Number.isNaN(value) ? fallback : value;
  };
  let limit = intParam('limit', 100);
  if (limit > 100 || limit < 0) limit = 100;
  const start = Math.max(0, intParam('next_page_token', 0));
  const names = [...models.keys()].sort();
  const page = names.slice(start, start + limit);
  const body = { models: page.map((modelName) => ({ modelName, modelUrl: models.get(modelName).url })) };
  if (start + limit < names.length) body.nextPageToken = String(start + limit);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function handleModels(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = /^\/models(?:\/([^/]+))?(\/invoke)?$/.exec(url.pathname);
  const text = await readBody(req);
  if (!match) return mmsError(res, 404, 'ResourceNotFoundException', 'Requested resource is not found.');
  const name = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
  if (name === undefined) {
    if (req.method === 'GET') return listModels(res, url);
    if (req.method === 'POST') return registerModel(req, res, url, text);
    return mmsError(res, 405, 'MethodNotAllowedException', 'Requested method is not allowed.');
  }
  const model = models.get(name);
  if (!model) return mmsError(res, 404, 'ModelNotFoundException', `Model not found: ${name}`);
  if (match[2]) {
    if (req.method !== 'POST')
      return mmsError(res, 405, 'MethodNotAllowedException', 'Requested method is not allowed.');
    // SageMaker passes the TargetModel along as a header (the model name is opaque); say once which it is.
    const targetModel = req.headers['x-amzn-sagemaker-target-model'];
    if (typeof targetModel === 'string' && targetModel !== model.targetModel) {
      model.targetModel = targetModel;
      console.log(`linear: model ${name} serves target model ${targetModel}`);
    }
    return answerPrediction(req, res, text, model.weights);
  }
  if (req.method === 'GET') {
    return res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ modelName: name, modelUrl: model.url }));
  }
  if (req.method === 'DELETE') {
    models.delete(name);
    console.log(`linear: unloaded model ${name}`);
    return res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: `Model "${name}" unregistered` }));
  }
  return mmsError(res, 405, 'MethodNotAllowedException', 'Requested method is not allowed.');
}

const server = createServer((req, res) => {
  if (multiModel && req.url?.startsWith('/models')) {
    void handleModels(req, res);
    return;
  }
  if (req.method === 'GET' && req.url === '/ping') {
    if (fault === 'never-ready') return; // never answer: the caller's timeout decides
    res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
    return;
  }
  if (req.method === 'POST' && req.url === '/invocations' && !multiModel) {
    void readBody(req).then((text) => answerPrediction(req, res, text, weights));
    return;
  }
  res.writeHead(404).end();
});

const delay = Number(process.env.SMWF_EXAMPLE_STARTUP_DELAY_MS ?? 0);
setTimeout(() => {
  server.listen(port, '127.0.0.1', () => {
    const what = multiModel ? 'multi-model server' : `${weights.coefficients.length}-feature model`;
    console.log(`linear: serving ${what} on 127.0.0.1:${port}`);
    if (serviceMs > 0 || workers !== Number.POSITIVE_INFINITY) {
      const workersText = workers === Number.POSITIVE_INFINITY ? 'unlimited' : String(workers);
      console.log(`linear: service time ${serviceMs} ms, workers ${workersText}`);
    }
  });
}, delay);

const shutdownDelay = Number(process.env.SMWF_EXAMPLE_SHUTDOWN_DELAY_MS ?? 0);
// SMWF_EXAMPLE_IGNORE_SIGTERM=true: keeps serving on SIGTERM (a program that traps it and goes on), so only the
// SIGKILL at the end of a stop's grace period ends it.
const ignoreSigterm = process.env.SMWF_EXAMPLE_IGNORE_SIGTERM === 'true';
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (signal === 'SIGTERM' && ignoreSigterm) {
      console.log('linear: SIGTERM ignored (SMWF_EXAMPLE_IGNORE_SIGTERM=true)');
      return;
    }
    console.log(`linear: ${signal}, shutting down${shutdownDelay > 0 ? ` in ${shutdownDelay} ms` : ''}`);
    setTimeout(() => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
      setTimeout(() => process.exit(0), 1000).unref();
    }, shutdownDelay);
  });
}
if (ignoreSigterm) console.log('linear: SIGTERM will be ignored (SMWF_EXAMPLE_IGNORE_SIGTERM=true)');
