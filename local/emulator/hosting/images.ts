import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How one container image runs locally: a command (it gets `serve` appended) and extra environment. */
export interface ImageMapping {
  command: string[];
  env?: Record<string, string>;
  /** Working directory of the process. @default the directory of the images file, else the current directory */
  cwd?: string;
  /**
   * `namespaces`: run the command in fresh PID, mount and network namespaces (Linux, root), so a program written for
   * SageMaker runs unchanged (port 8080, the model read-only at /opt/ml/model, a private /tmp).
   * @default a plain process group (the program must listen on SAGEMAKER_BIND_TO_PORT and read SM_MODEL_DIR)
   */
  isolation?: 'namespaces';
}

/** The images file: image URI (or glob with `*` and `?`) -> local command. */
export interface ImagesFile {
  images: Record<string, ImageMapping>;
}

/** Folder holding the example model servers (`examples/containers/<name>/server.mjs`). */
const EXAMPLES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/containers');

/** Loads and checks an images file (path or parsed object); relative `cwd`s resolve against the file's folder. */
export async function loadImages(source: string | ImagesFile | undefined): Promise<ImagesFile> {
  if (source === undefined) return { images: {} };
  let parsed: unknown;
  let baseDir = process.cwd();
  if (typeof source === 'string') {
    parsed = JSON.parse(await readFile(source, 'utf8'));
    baseDir = dirname(resolve(source));
  } else parsed = source;
  const images = (parsed as { images?: unknown }).images;
  if (typeof images !== 'object' || images === null || Array.isArray(images)) {
    throw new Error('images file must be an object like {"images": {"<uri or glob>": {"command": ["..."]}}}');
  }
  const out: ImagesFile = { images: {} };
  for (const [pattern, value] of Object.entries(images as Record<string, unknown>)) {
    const mapping = value as Partial<ImageMapping>;
    if (
      !Array.isArray(mapping.command) ||
      mapping.command.length === 0 ||
      !mapping.command.every((c) => typeof c === 'string')
    ) {
      throw new Error(`images["${pattern}"].command must be a non-empty array of strings`);
    }
    if (mapping.isolation !== undefined && mapping.isolation !== 'namespaces') {
      throw new Error(
        `images["${pattern}"].isolation must be "namespaces" (or absent), got ${JSON.stringify(mapping.isolation)}`,
      );
    }
    out.images[pattern] = {
      command: mapping.command,
      ...(mapping.env ? { env: mapping.env } : {}),
      ...(mapping.isolation ? { isolation: mapping.isolation } : {}),
      cwd: resolve(baseDir, mapping.cwd ?? '.'),
    };
  }
  return out;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** The repository path of an image URI, without registry host, tag or digest. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest;
}

/**
 * The stable stand-in digest of an image (the emulator pulls nothing, so there is no registry digest): the SHA-256 of
 * the image URI, as `DeployedImages[].ResolvedImage` and model packages' `ImageDigest` show it.
 */
export function imageDigest(image: string): string {
  return `sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** Finds how to run `image`: exact entry, then globs in file order, then the built-in `smwf-examples/<name>` images. */
export function resolveImage(image: string, file: ImagesFile): ImageMapping | undefined {
  const exact = file.images[image];
  if (exact) return exact;
  for (const [pattern, mapping] of Object.entries(file.images)) {
    if ((pattern.includes('*') || pattern.includes('?')) && globToRegExp(pattern).test(image)) return mapping;
  }
  const example = /(?:^|\/)smwf-examples\/([a-z0-9][a-z0-9._-]*)$/.exec(imageRepository(image))?.[1];
  if (example) {
    const server = join(EXAMPLES_DIR, example, 'server.mjs');
    if (existsSync(server)) return { command: [process.execPath, server] };
  }
  return undefined;
}
