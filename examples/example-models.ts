/**
 * The example model servers and model folders, as the demo, the end-to-end tests and the benchmarks use them:
 * an example image URI (the emulator runs `examples/containers/<name>` for it) and a folder packed as model.tar.gz.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { create as createTar } from 'tar';

/** The example model servers in `examples/containers`. */
type ExampleContainer = 'linear' | 'echo' | 'featurizer' | 'classic-byoc';

/** The image URI the emulator maps to the example model server `name`. */
export function exampleImage(name: ExampleContainer): string {
  return `123456789012.dkr.ecr.us-east-1.amazonaws.com/smwf-examples/${name}:1`;
}

/** The path of an example model folder (`examples/models/<folder>`). */
export function exampleModelFolder(folder: string): string {
  return fileURLToPath(new URL(`./models/${folder}/`, import.meta.url));
}

/**
 * Every entry's modification time in a packed archive: a fixed one, so that the same files pack to the same bytes
 * in any checkout (the S3 ETag of an example artifact, and so the names derived from it, stay the same).
 */
const ARCHIVE_MTIME = new Date('2026-01-01T00:00:00Z');

/** Every file of a directory packed as a gzipped tar at its root: what SageMaker expects in model.tar.gz. */
export async function packModelDirectory(directory: string): Promise<Buffer> {
  const files = (await readdir(directory)).sort();
  const chunks: Buffer[] = [];
  for await (const chunk of createTar({ gzip: true, cwd: directory, portable: true, mtime: ARCHIVE_MTIME }, files)) {
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/** An example model folder (`examples/models/<folder>`) as a model.tar.gz. */
export function exampleModelArchive(folder: string): Promise<Buffer> {
  return packModelDirectory(exampleModelFolder(folder));
}
