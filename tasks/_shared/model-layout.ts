/**
 * What each framework container expects inside the model archive (SageMaker extracts it to /opt/ml/model).
 * A wrong layout only shows up minutes later as a failed endpoint, so it is checked before anything is written.
 */
import type { Framework } from '../../contracts/parts/packaging.ts';

/** What is wrong with a layout: files that are missing, and files that exist but in the wrong place. */
interface LayoutReport {
  missing: string[];
  misplaced: string[];
}

/** Paths in the archive; directories (S3 folder markers) end with `/`. */
type Paths = ReadonlySet<string>;

const basename = (path: string) => path.replace(/\/$/, '').split('/').at(-1) ?? path;
const isFile = (path: string) => !path.endsWith('/');

/** Hugging Face weight files: single-file or sharded safetensors, PyTorch, TensorFlow or Flax weights. */
const HUGGING_FACE_WEIGHTS =
  /^(model(-\d+-of-\d+)?\.safetensors|pytorch_model(-\d+-of-\d+)?\.bin|tf_model\.h5|flax_model\.msgpack)$/;

/** Requires a file at `expected`; when its name exists elsewhere, reports where it is instead. */
function requireFile(paths: Paths, expected: string, report: LayoutReport): void {
  if (paths.has(expected)) return;
  const name = basename(expected);
  const elsewhere = [...paths].filter((p) => isFile(p) && basename(p) === name);
  if (elsewhere.length > 0) report.misplaced.push(`${elsewhere.join(', ')} (expected at ${expected})`);
  else report.missing.push(expected);
}

function checkPyTorch(paths: Paths, hasCode: boolean, report: LayoutReport): void {
  requireFile(paths, 'model.pth', report);
  if (hasCode) requireFile(paths, 'code/inference.py', report);
  // The PyTorch container looks for the entry point and its requirements under code/ only.
  for (const name of ['inference.py', 'requirements.txt']) {
    const expected = `code/${name}`;
    if (paths.has(expected) || (hasCode && name === 'inference.py')) continue;
    const elsewhere = [...paths].filter((p) => basename(p) === name);
    if (elsewhere.length > 0) report.misplaced.push(`${elsewhere.join(', ')} (expected at ${expected})`);
  }
}

function checkTensorFlow(paths: Paths, report: LayoutReport): void {
  const versions = [...paths]
    .map((p) => /^(\d+)\/saved_model\.pb$/.exec(p)?.[1])
    .filter((v): v is string => v !== undefined);
  if (versions.length === 0) {
    const elsewhere = [...paths].filter((p) => basename(p) === 'saved_model.pb');
    if (elsewhere.length > 0) {
      report.misplaced.push(`${elsewhere.join(', ')} (expected in a numeric version directory: 1/saved_model.pb)`);
    } else {
      report.missing.push('<version>/saved_model.pb (for example 1/saved_model.pb)');
    }
    return;
  }
  for (const version of versions) {
    const variables = `${version}/variables/`;
    if (![...paths].some((p) => p.startsWith(variables))) report.missing.push(variables);
  }
}

function checkHuggingFace(paths: Paths, report: LayoutReport): void {
  requireFile(paths, 'config.json', report);
  const atRoot = [...paths].filter((p) => !p.includes('/'));
  if (atRoot.some((p) => HUGGING_FACE_WEIGHTS.test(p))) return;
  const elsewhere = [...paths].filter((p) => HUGGING_FACE_WEIGHTS.test(basename(p)));
  if (elsewhere.length > 0) report.misplaced.push(`${elsewhere.join(', ')} (expected at the archive root)`);
  else report.missing.push('model weights (model.safetensors, pytorch_model.bin, tf_model.h5 or their shards)');
}

/** The files each framework requires at the archive root, for the README and error messages. */
const REQUIRED_FILES: Readonly<
  Record<Exclude<Framework, 'pytorch' | 'tensorflow' | 'huggingface' | 'custom'>, readonly string[]>
> = {
  mxnet: ['model-symbol.json', 'model-shapes.json', 'model-0000.params'],
  sklearn: ['model.joblib'],
  xgboost: ['xgboost-model'],
};

/**
 * Checks archive paths against a framework's layout. `hasCode`: a code prefix was given (its files are under
 * `code/`). Returns what is missing or misplaced; both empty means the layout is valid.
 */
export function checkLayout(framework: Framework, paths: readonly string[], hasCode: boolean): LayoutReport {
  const report: LayoutReport = { missing: [], misplaced: [] };
  const set = new Set(paths);
  if (!paths.some(isFile)) {
    report.missing.push('model files (the source prefix holds no objects)');
    return report;
  }
  switch (framework) {
    case 'pytorch':
      checkPyTorch(set, hasCode, report);
      break;
    case 'tensorflow':
      checkTensorFlow(set, report);
      break;
    case 'huggingface':
      checkHuggingFace(set, report);
      break;
    case 'mxnet':
    case 'sklearn':
    case 'xgboost':
      for (const file of REQUIRED_FILES[framework]) requireFile(set, file, report);
      break;
    case 'custom':
      break;
  }
  return report;
}

/** The report as one sentence: `missing: a, b; misplaced: c (expected at d)`. */
export function describeLayoutReport(report: LayoutReport): string {
  const parts: string[] = [];
  if (report.missing.length > 0) parts.push(`missing: ${report.missing.join(', ')}`);
  if (report.misplaced.length > 0) parts.push(`misplaced: ${report.misplaced.join('; ')}`);
  return parts.join('; ');
}
