/** The packaging cores with an in-memory S3: layout checks per framework, the streamed archive, reuse, copies. */
import { createHash } from 'node:crypto';
import { Parser } from 'tar';
import { describe, expect, it } from 'vitest';
import { ModelLayoutError, ModelSourceChangedError } from '../../contracts/errors.ts';
import { PackageModelInput, type PackageModelInputDocument } from '../../contracts/parts/packaging.ts';
import { checkLayout } from '../../tasks/_shared/model-layout.ts';
import { copyUncompressedModel } from '../../tasks/copy-uncompressed-model/copy-uncompressed-model.ts';
import { packageModel } from '../../tasks/package-model/package-model.ts';
import { fakeArtifactStore } from './package-fakes.ts';

const request = (input: Partial<PackageModelInputDocument> = {}) =>
  PackageModelInput.parse({ source: 's3://models/src/', framework: 'custom', output: 's3://out/packages', ...input });
const deps = (store: ReturnType<typeof fakeArtifactStore>) => ({
  store,
  upload: store.upload,
  defaultOutput: 's3://artifacts/packages/',
  compressionWorkers: 2,
});

/** The entries of a .tar.gz, read with the `tar` package's parser. */
function entriesOf(archive: Buffer): Promise<{ path: string; type: string; body: string }[]> {
  return new Promise((resolve, reject) => {
    const entries: { path: string; type: string; body: string }[] = [];
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () =>
          entries.push({ path: entry.path, type: entry.type, body: Buffer.concat(chunks).toString() }),
        );
      },
    });
    parser.on('end', () => resolve(entries));
    parser.on('error', reject);
    parser.end(archive);
  });
}

describe('checkLayout', () => {
  it('requires model.pth for PyTorch and reports where a nested one is', () => {
    expect(checkLayout('pytorch', ['weights/model.pth'], false)).toEqual({
      missing: [],
      misplaced: ['weights/model.pth (expected at model.pth)'],
    });
  });

  it('requires code/inference.py for PyTorch when a code prefix is given', () => {
    expect(checkLayout('pytorch', ['model.pth', 'code/src/inference.py'], true)).toEqual({
      missing: [],
      misplaced: ['code/src/inference.py (expected at code/inference.py)'],
    });
    expect(checkLayout('pytorch', ['model.pth', 'code/requirements.txt'], true).missing).toEqual(['code/inference.py']);
  });

  it('reports a PyTorch entry point or requirements outside code/ as misplaced', () => {
    expect(checkLayout('pytorch', ['model.pth', 'inference.py', 'requirements.txt'], false).misplaced).toEqual([
      'inference.py (expected at code/inference.py)',
      'requirements.txt (expected at code/requirements.txt)',
    ]);
    expect(checkLayout('pytorch', ['model.pth', 'code/inference.py', 'code/requirements.txt'], true)).toEqual({
      missing: [],
      misplaced: [],
    });
  });

  it('requires <version>/saved_model.pb and <version>/variables/ for TensorFlow Serving', () => {
    expect(checkLayout('tensorflow', ['saved_model.pb', 'variables/variables.index'], false)).toEqual({
      missing: [],
      misplaced: ['saved_model.pb (expected in a numeric version directory: 1/saved_model.pb)'],
    });
    expect(checkLayout('tensorflow', ['1/saved_model.pb', '2/saved_model.pb', '2/variables/'], false).missing).toEqual([
      '1/variables/',
    ]);
    expect(checkLayout('tensorflow', ['README.md'], false).missing).toEqual([
      '<version>/saved_model.pb (for example 1/saved_model.pb)',
    ]);
    expect(checkLayout('tensorflow', ['1/saved_model.pb', '1/variables/variables.index'], false).missing).toEqual([]);
  });

  it('lists every missing MXNet file', () => {
    expect(checkLayout('mxnet', ['model-symbol.json'], false).missing).toEqual([
      'model-shapes.json',
      'model-0000.params',
    ]);
  });

  it('requires model.joblib for scikit-learn and xgboost-model for XGBoost at the root', () => {
    expect(checkLayout('sklearn', ['model.pkl'], false).missing).toEqual(['model.joblib']);
    expect(checkLayout('xgboost', ['out/xgboost-model'], false).misplaced).toEqual([
      'out/xgboost-model (expected at xgboost-model)',
    ]);
  });

  it('requires config.json and weights at the root for Hugging Face, sharded weights included', () => {
    expect(checkLayout('huggingface', ['tokenizer.json'], false).missing).toEqual([
      'config.json',
      'model weights (model.safetensors, pytorch_model.bin, tf_model.h5 or their shards)',
    ]);
    expect(checkLayout('huggingface', ['config.json', 'ckpt/model.safetensors'], false).misplaced).toEqual([
      'ckpt/model.safetensors (expected at the archive root)',
    ]);
    const sharded = ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'];
    expect(checkLayout('huggingface', sharded, false)).toEqual({ missing: [], misplaced: [] });
  });

  it('accepts any files for custom, but not none', () => {
    expect(checkLayout('custom', ['anything.bin'], false)).toEqual({ missing: [], misplaced: [] });
    expect(checkLayout('custom', [], false).missing).toEqual(['model files (the source prefix holds no objects)']);
  });
});

describe('packageModel', () => {
  it('streams a tar.gz of the sources, with its sha256, size and file count, then writes the manifest', async () => {
    const store = fakeArtifactStore({
      'models/src/model.joblib': 'joblib bytes',
      'models/src/extra/notes.txt': 'x'.repeat(1000),
      'models/src2/other.txt': 'not under the prefix',
    });

    const packaged = await packageModel(request({ framework: 'sklearn' }), deps(store));

    expect(packaged.modelDataUrl).toMatch(/^s3:\/\/out\/packages\/sklearn-[0-9a-f]{10}\/model\.tar\.gz$/);
    const archive = store.objects.get((packaged.modelDataUrl ?? '').slice('s3://'.length))?.body ?? Buffer.alloc(0);
    expect(packaged).toMatchObject({
      format: 'tar.gz',
      sha256: createHash('sha256').update(archive).digest('hex'),
      sizeBytes: archive.length,
      fileCount: 2,
      reused: false,
    });
    expect(await entriesOf(archive)).toEqual([
      { path: 'extra/notes.txt', type: 'File', body: 'x'.repeat(1000) },
      { path: 'model.joblib', type: 'File', body: 'joblib bytes' },
    ]);
    expect(store.uploads.at(-1)).toBe(packaged.manifestUrl.slice('s3://'.length));
  });

  it('keeps paths longer than 100 characters and folder markers', async () => {
    const long = `${'deep/'.repeat(30)}weights.bin`;
    const store = fakeArtifactStore({ [`models/src/${long}`]: 'w', 'models/src/1/variables/': '' });

    const packaged = await packageModel(request(), deps(store));

    const archive = store.objects.get((packaged.modelDataUrl ?? '').slice(5))?.body ?? Buffer.alloc(0);
    expect((await entriesOf(archive)).map((e) => [e.path, e.type])).toEqual([
      ['1/variables/', 'Directory'],
      [long, 'File'],
    ]);
    expect(packaged.fileCount).toBe(1);
  });

  it('returns the package of an earlier run with the same sources without uploading anything', async () => {
    const store = fakeArtifactStore({ 'models/src/model.joblib': 'joblib bytes' });
    const first = await packageModel(request({ framework: 'sklearn' }), deps(store));
    store.uploads.length = 0;

    const second = await packageModel(request({ framework: 'sklearn' }), deps(store));

    expect(second).toEqual({ ...first, reused: true });
    expect(store.uploads).toEqual([]);
  });

  it('builds a new package when a source or an option changes', async () => {
    const store = fakeArtifactStore({ 'models/src/model.joblib': 'v1' });
    const first = await packageModel(request(), deps(store));

    const otherLevel = await packageModel(request({ compressionLevel: 1 }), deps(store));
    store.objects.set('models/src/model.joblib', {
      body: Buffer.from('v2'),
      etag: 'changed',
      lastModified: new Date(),
    });
    const otherSource = await packageModel(request(), deps(store));

    const urls = new Set([first.modelDataUrl, otherLevel.modelDataUrl, otherSource.modelDataUrl]);
    expect(urls.size).toBe(3);
    expect(otherSource.reused).toBe(false);
  });

  it('puts the code prefix under code/ and writes to the default output when none is given', async () => {
    const store = fakeArtifactStore({
      'models/src/model.pth': 'torch',
      'models/code/inference.py': 'def model_fn(d): ...',
      'models/code/requirements.txt': 'numpy',
    });

    const packaged = await packageModel(
      PackageModelInput.parse({ source: 's3://models/src', code: 's3://models/code', framework: 'pytorch' }),
      deps(store),
    );

    expect(packaged.modelDataUrl).toMatch(/^s3:\/\/artifacts\/packages\/pytorch-[0-9a-f]{10}\/model\.tar\.gz$/);
    const archive = store.objects.get((packaged.modelDataUrl ?? '').slice(5))?.body ?? Buffer.alloc(0);
    expect((await entriesOf(archive)).map((e) => e.path)).toEqual([
      'model.pth',
      'code/inference.py',
      'code/requirements.txt',
    ]);
  });

  it('fails with ModelLayoutError listing what is missing and misplaced, before writing anything', async () => {
    const store = fakeArtifactStore({ 'models/src/weights/model.pth': 't', 'models/src/inference.py': 'x' });

    const error = await packageModel(request({ framework: 'pytorch' }), deps(store)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelLayoutError);
    expect((error as Error).message).toBe(
      'The pytorch layout of s3://models/src/ is not valid: misplaced: weights/model.pth (expected at model.pth); inference.py (expected at code/inference.py)',
    );
    expect(store.uploads).toEqual([]);
  });

  it('reports a file that both the source and the code prefix provide', async () => {
    const store = fakeArtifactStore({
      'models/src/model.pth': 't',
      'models/src/code/inference.py': 'a',
      'models/code/inference.py': 'b',
    });

    const error = await packageModel(request({ framework: 'pytorch', code: 's3://models/code/' }), deps(store)).catch(
      (e: unknown) => e,
    );

    expect((error as Error).message).toContain(
      'twice in the package: code/inference.py (from s3://models/src/code/inference.py and s3://models/code/inference.py)',
    );
  });

  it('fails with ModelSourceChangedError when an object changes while it is read, leaving no manifest', async () => {
    const store = fakeArtifactStore({ 'models/src/a.bin': 'a'.repeat(100), 'models/src/b.bin': 'b'.repeat(100) });
    store.truncateOnRead({ bucket: 'models', key: 'src/b.bin' }, 40);

    const error = await packageModel(request(), deps(store)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelSourceChangedError);
    expect((error as Error).message).toBe(
      's3://models/src/b.bin changed while it was packaged (listed with 100 bytes, read 40)',
    );
    expect([...store.objects.keys()].some((key) => key.endsWith('smwf-package.json'))).toBe(false);
  });

  it('detects an object rewritten with the same size after it was listed (its ETag no longer matches)', async () => {
    const store = fakeArtifactStore({ 'models/src/a.bin': 'a'.repeat(100), 'models/src/b.bin': 'b'.repeat(100) });
    store.replaceOnRead({ bucket: 'models', key: 'src/b.bin' }, 'c'.repeat(100));

    const error = await packageModel(request(), deps(store)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelSourceChangedError);
    expect((error as Error).message).toMatch(/^s3:\/\/models\/src\/b\.bin changed since it was listed/);
    expect([...store.objects.keys()].some((key) => key.endsWith('smwf-package.json'))).toBe(false);
  });
});

describe('copyUncompressedModel', () => {
  it('copies the files server-side into a versioned model/ prefix and returns a ModelDataSource', async () => {
    const store = fakeArtifactStore({
      'models/src/config.json': '{}',
      'models/src/model.safetensors': 'weights!',
    });

    const packaged = await copyUncompressedModel(
      request({ framework: 'huggingface', format: 'uncompressed' }),
      deps(store),
    );

    const prefix = packaged.modelDataSource?.s3Uri ?? '';
    expect(prefix).toMatch(/^s3:\/\/out\/packages\/huggingface-[0-9a-f]{10}\/model\/$/);
    expect(packaged).toMatchObject({
      format: 'uncompressed',
      modelDataSource: { s3DataType: 'S3Prefix', compressionType: 'None' },
      sizeBytes: 10,
      fileCount: 2,
      reused: false,
    });
    expect(store.copies.map((c) => c.to).sort()).toEqual([
      `${prefix.slice(5)}config.json`,
      `${prefix.slice(5)}model.safetensors`,
    ]);
    expect(packaged.manifestUrl.startsWith(prefix)).toBe(false);
  });

  it('returns the copy of an earlier run without copying again', async () => {
    const store = fakeArtifactStore({ 'models/src/w.bin': 'w' });
    const first = await copyUncompressedModel(request({ format: 'uncompressed' }), deps(store));
    store.copies.length = 0;

    const second = await copyUncompressedModel(request({ format: 'uncompressed' }), deps(store));

    expect(second).toEqual({ ...first, reused: true });
    expect(store.copies).toEqual([]);
  });
});
