#!/usr/bin/env node
// Example SageMaker model server (zero dependencies): a featurizer that standardizes raw features, z = (x - mean) / std
// per column, meant to sit in front of a model (e.g. ../linear) in a serial inference pipeline.
// Container contract: started with the argument `serve`; listens on SAGEMAKER_BIND_TO_PORT (default 8080); loads
// `standardizer.json` ({"means": [..], "stds": [..]}, every std > 0) from SM_MODEL_DIR (default /opt/ml/model);
// answers GET /ping and POST /invocations.
//
// Input: text/csv, one row of raw features per line (empty lines skipped). Anything else answers 415; a row with the
// wrong number of features or a value that is not a number answers 400.
// Output, by Accept: text/csv (one row of standardized features per line) or application/json
// ({"instances": [[..], ..]}, which ../linear reads). No Accept, or */*, means SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT
// from the environment, else text/csv; an Accept it cannot produce answers 406.
//
// Fault switches for tests (env SMWF_EXAMPLE_FAULT), as in ../linear: never-ready, exit-on-start, fail-invocations.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

if (process.argv[2] !== 'serve') {
  console.error(`usage: server.mjs serve (got ${process.argv[2] ?? 'nothing'})`);
  process.exit(2);
}

const fault = process.env.SMWF_EXAMPLE_FAULT ?? '';
const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
const modelDir = process.env.SM_MODEL_DIR ?? '/opt/ml/model';
const defaultAccept = process.env.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT || 'text/csv';

if (fault === 'exit-on-start') {
  console.error('featurizer: SMWF_EXAMPLE_FAULT=exit-on-start, exiting before serving');
  process.exit(1);
}

function loadStandardizer(dir) {
  const loaded = JSON.parse(readFileSync(join(dir, 'standardizer.json'), 'utf8'));
  const { means, stds } = loaded;
  const numbers = (list) => Array.isArray(list) && list.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!numbers(means) || !numbers(stds) || means.length === 0 || means.length !== stds.length) {
    throw new Error('standardizer.json must look like {"means": [numbers], "stds": [numbers]}, of the same length');
  }
  if (stds.some((s) => s <= 0)) throw new Error('every std in standardizer.json must be greater than 0');
  return { means, stds };
}

let standardizer;
try {
  standardizer = loadStandardizer(modelDir);
} catch (err) {
  console.error(`featurizer: cannot load model from ${modelDir}: ${err.message}`);
  process.exit(1);
}

/** A request the featurizer refuses, with the HTTP status to answer. */
class RequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const mediaType = (header) =>
  String(header ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();

/** The output type: the first type of the Accept list it can produce; none or * / * means the default. */
function outputType(accept) {
  const types = String(accept ?? '')
    .split(',')
    .map(mediaType)
    .filter((t) => t !== '');
  if (types.length === 0 || types.includes('*/*')) return mediaType(defaultAccept);
  const supported = types.find((t) => t === 'text/csv' || t === 'application/json');
  if (!supported) throw new RequestError(406, `cannot answer ${accept}: text/csv or application/json only`);
  return supported;
}

function standardize(text) {
  const width = standardizer.means.length;
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line, index) => {
      const values = line.split(',').map((v) => v.trim());
      if (values.length !== width) {
        throw new RequestError(400, `row ${index + 1} has ${values.length} features, expected ${width}`);
      }
      return values.map((value, column) => {
        const x = value === '' ? Number.NaN : Number(value);
        if (!Number.isFinite(x)) throw new RequestError(400, `row ${index + 1}: '${value}' is not a number`);
        return (x - standardizer.means[column]) / standardizer.stds[column];
      });
    });
}

function answer(req, res, text) {
  if (fault === 'fail-invocations') {
    console.error('featurizer: SMWF_EXAMPLE_FAULT=fail-invocations, answering 500');
    res.writeHead(500, { 'content-type': 'text/plain' }).end('featurizer: injected failure');
    return;
  }
  try {
    const contentType = mediaType(req.headers['content-type']);
    if (contentType !== 'text/csv') {
      throw new RequestError(415, `unsupported content type: ${req.headers['content-type'] ?? 'none'} (text/csv only)`);
    }
    const type = outputType(req.headers.accept);
    const rows = standardize(text);
    const body =
      type === 'application/json'
        ? JSON.stringify({ instances: rows })
        : rows.map((row) => `${row.join(',')}\n`).join('');
    const headers = { 'content-type': type };
    const custom = req.headers['x-amzn-sagemaker-custom-attributes'];
    if (custom) headers['x-amzn-sagemaker-custom-attributes'] = custom;
    res.writeHead(200, headers).end(body);
  } catch (err) {
    const status = err instanceof RequestError ? err.status : 500;
    console.error(`featurizer: ${status}: ${err.message}`);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(err.message);
  }
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ping') {
    if (fault === 'never-ready') return; // never answer: the caller's timeout decides
    res.writeHead(200, { 'content-type': 'text/plain' }).end('healthy\n');
    return;
  }
  if (req.method === 'POST' && req.url === '/invocations') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
    return;
  }
  res.writeHead(404).end();
});

server.listen(port, '127.0.0.1', () => {
  console.log(`featurizer: serving ${standardizer.means.length}-feature standardizer on 127.0.0.1:${port}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`featurizer: ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
