/**
 * The S3 objects the example inputs (`examples/inputs/*.json`) read, and what each is made from. On AWS these
 * buckets are placeholders to replace with your own; locally, the emulator `smwf run` starts for a run puts them in
 * place (see README, "Running the examples"), so every example input runs as it is.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { exampleModelArchive } from './example-models.ts';

/** One object an example input reads: a model folder packed as model.tar.gz, or a file as it is. */
type ExampleArtifact =
  | { readonly uri: string; readonly modelArchive: string }
  | { readonly uri: string; readonly file: string };

/** Every object the example inputs read, by its S3 URI. */
export const EXAMPLE_ARTIFACTS: readonly ExampleArtifact[] = [
  // DeployEndpoint, CreateModel, BatchTransform, the churn container of DeployMultiContainerEndpoint.
  { uri: 's3://my-model-artifacts/churn/2026-11-25.1/model.tar.gz', modelArchive: 'linear-v1' },
  // DeployMultiContainerEndpoint's second container.
  { uri: 's3://my-model-artifacts/upsell/2026-11-20.3/model.tar.gz', modelArchive: 'linear-v2' },
  // DeployMultiModelEndpoint's models, and the one AddModelToMultiModelEndpoint adds.
  { uri: 's3://my-model-artifacts/churn/eu/2026-11-25.1/model.tar.gz', modelArchive: 'linear-v1' },
  { uri: 's3://my-model-artifacts/churn/us/2026-11-25.1/model.tar.gz', modelArchive: 'linear-v2' },
  { uri: 's3://my-model-artifacts/churn/apac/2026-11-25.1/model.tar.gz', modelArchive: 'linear-v2' },
  // DeploySerialPipeline: the featurizer, then the model trained on standardized features.
  { uri: 's3://my-model-artifacts/churn-featurizer/2026-11-25.1/model.tar.gz', modelArchive: 'featurizer-v1' },
  {
    uri: 's3://my-model-artifacts/churn-standardized/2026-11-25.1/model.tar.gz',
    modelArchive: 'linear-standardized-v1',
  },
  // PackageModel's source: the model's files, not yet packaged.
  { uri: 's3://my-models/churn/2026-11-25.1/weights.json', file: 'models/linear-v1/weights.json' },
  // BatchTransform's records for its scheduled day, 2026-11-25.
  { uri: 's3://scoring/in/2026/11/25/customers.csv', file: 'data/customers.csv' },
];

/** The buckets of the example inputs: those the examples read, and those they only write to. */
export const EXAMPLE_BUCKETS: readonly string[] = [
  ...new Set(EXAMPLE_ARTIFACTS.map((artifact) => bucketOf(artifact.uri))),
];

function bucketOf(uri: string): string {
  return uri.slice('s3://'.length).split('/')[0] as string;
}

/** Each artifact's bytes, made once per process (a model archive is packed, which a process putting them often repeats). */
const bodies = new Map<string, Promise<Buffer>>();

function artifactBody(artifact: ExampleArtifact): Promise<Buffer> {
  let body = bodies.get(artifact.uri);
  if (body === undefined) {
    body =
      'modelArchive' in artifact
        ? exampleModelArchive(artifact.modelArchive)
        : readFile(fileURLToPath(new URL(`./${artifact.file}`, import.meta.url)));
    bodies.set(artifact.uri, body);
  }
  return body;
}

/**
 * Whether an execution input names an example artifact: a string in it that is the artifact's URI or a prefix of it
 * (a source or input prefix; one with a date template, as BatchTransform's, up to its first `{`).
 */
export function namesExampleArtifact(input: unknown): (artifact: { readonly uri: string }) => boolean {
  const uris: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('s3://')) uris.push(value.split('{')[0] as string);
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) visit(item);
  };
  visit(input);
  return (artifact) => uris.some((uri) => artifact.uri.startsWith(uri));
}

/** The example buckets an execution input names: any string in it of the form `s3://<example bucket>/...`. */
export function exampleBucketsNamedBy(input: unknown): string[] {
  const named = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      const bucket = /^s3:\/\/([^/]+)/.exec(value)?.[1];
      if (bucket !== undefined && EXAMPLE_BUCKETS.includes(bucket)) named.add(bucket);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) visit(item);
    }
  };
  visit(input);
  return EXAMPLE_BUCKETS.filter((bucket) => named.has(bucket));
}

/**
 * Creates the given example buckets and puts their example artifacts in place, leaving every object that is already
 * there as it is. Returns the artifacts it put.
 */
export async function putExampleArtifacts(
  s3: S3Client,
  buckets: readonly string[],
  only: (artifact: ExampleArtifact) => boolean = () => true,
): Promise<ExampleArtifact[]> {
  const put: ExampleArtifact[] = [];
  for (const bucket of buckets) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
    for (const artifact of EXAMPLE_ARTIFACTS.filter((a) => bucketOf(a.uri) === bucket && only(a))) {
      const key = artifact.uri.slice(`s3://${bucket}/`.length);
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        continue;
      } catch (error) {
        if (!(error instanceof NotFound) && (error as S3ServiceException).$metadata?.httpStatusCode !== 404)
          throw error;
      }
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await artifactBody(artifact) }));
      put.push(artifact);
    }
  }
  return put;
}
