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
// SMWF_EXAMPLE_STARTUP_DELAY_MS delays listening (a slow-starting model).
//
// Multi-model mode (SAGEMAKER_MULTI_MODEL=true, set by SageMaker for `Mode: MultiModel` containers):
// nothing is loaded at start; POST /models {"model_name", "url"} loads `<url>/weights.json`
// (409 if already loaded), GET /models lists, DELETE /models/<name> unloads,
// POST /models/<name>/invoke predicts with that model.
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
/** Multi-model mode: model name -> { weights, url }. */
const models = new Map();

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

function answerPrediction(req, res, text, modelWeights) {
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

async function handleModels(req, res) {
  const json = (status, body) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const match = /^\/models(?:\/([^/]+))?(\/invoke)?$/.exec(req.url ?? '');
  const name = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
  const text = await readBody(req);
  if (req.method === 'GET' && !name) {
    return json(200, { models: [...models].map(([modelName, m]) => ({ modelName, modelUrl: m.url })) });
  }
  if (req.method === 'POST' && !name) {
    const { model_name: modelName, url } = JSON.parse(text || '{}');
    if (models.has(modelName)) return json(409, { message: `Model ${modelName} is already loaded` });
    try {
      models.set(modelName, { weights: loadWeights(url), url });
    } catch (err) {
      console.error(`linear: cannot load model ${modelName} from ${url}: ${err.message}`);
      return json(500, { message: err.message });
    }
    console.log(`linear: loaded model ${modelName}`);
    return json(200, { message: `Model ${modelName} loaded` });
  }
  const model = name === undefined ? undefined : models.get(name);
  if (!model) return json(404, { message: `Model ${name} is not loaded` });
  if (req.method === 'DELETE' && !match?.[2]) {
    models.delete(name);
    return json(200, { message: `Model ${name} unloaded` });
  }
  if (req.method === 'POST' && match?.[2]) return answerPrediction(req, res, text, model.weights);
  return json(404, { message: 'not found' });
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
  });
}, delay);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`linear: ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
