/**
 * Test doubles for the BatchTransform task cores: in-memory transform jobs behind TransformJobGateway, an
 * in-memory bucket listing behind ArtifactStore.list, and builders for valid inputs and state documents.
 */
import type { CreateTransformJobCommandInput } from '@aws-sdk/client-sagemaker';
import {
  type BatchRun,
  type BatchRunState,
  BatchTransformInput,
  type BatchTransformInputDocument,
} from '../../contracts/parts/batch-transform.ts';
import type { StoredObject } from '../../tasks/_shared/object-listing.ts';
import type { TransformJobDescription, TransformJobGateway } from '../../tasks/_shared/transform-jobs.ts';

export const transformJobArn = (name: string) =>
  `arn:aws:sagemaker:us-east-1:123456789012:transform-job/${name.toLowerCase()}`;

export const BATCH_EXECUTION = {
  id: 'arn:aws:states:us-east-1:123456789012:execution:BatchTransform:nightly-1',
  name: 'nightly-1',
  startedAt: '2026-03-09T07:30:05.000Z',
};

/** A valid BatchTransform execution input from the `nightly` schedule, as a user writes it. */
export function validBatchInput(overrides: Partial<BatchTransformInputDocument> = {}): BatchTransformInputDocument {
  return {
    scheduleName: 'nightly',
    scheduledTime: '2026-03-09T02:00:00Z',
    model: { name: 'churn-model' },
    input: { s3Prefix: 's3://data-bucket/in/{yyyy}/{MM}/{dd}/' },
    output: { s3Prefix: 's3://data-bucket/out/{yyyy}/{MM}/{dd}/' },
    ...overrides,
  };
}

/** The job name and resolved prefixes of `validBatchInput()`. */
export const NIGHTLY_RUN = {
  jobName: 'nightly-20260309-020000',
  scheduledTime: '2026-03-09T02:00:00.000Z',
  inputS3Uri: 's3://data-bucket/in/2026/03/09/',
  outputS3Uri: 's3://data-bucket/out/2026/03/09/',
} as const;

/** A state document right after ValidateInput, plus whatever later steps added. */
export function batchState<Rest extends Partial<Omit<BatchRunState, 'request' | 'execution'>> = Record<never, never>>(
  input: BatchTransformInputDocument = validBatchInput(),
  rest: Rest = {} as Rest,
): BatchRunState & Rest {
  return { request: BatchTransformInput.parse(input), execution: { ...BATCH_EXECUTION }, ...rest };
}

/** A state document after ResolveRun decided to create the job for `inputObjects` objects. */
export function resolvedState<
  Rest extends Partial<Omit<BatchRunState, 'request' | 'execution'>> = Record<never, never>,
>(input: BatchTransformInputDocument = validBatchInput(), rest: Rest = {} as Rest) {
  const run: BatchRun = { ...NIGHTLY_RUN, action: 'create', inputObjects: 2 };
  return batchState(input, { run, ...rest });
}

/**
 * In-memory transform jobs. Creating a job whose name exists fails as SageMaker does; `failNextCreate` makes the
 * next create throw a given error (after optionally storing the job, as a racing duplicate would have).
 */
export class FakeTransformJobs implements TransformJobGateway {
  readonly jobs = new Map<string, TransformJobDescription>();
  readonly created: CreateTransformJobCommandInput[] = [];
  readonly described: string[] = [];
  readonly stopped: string[] = [];
  private nextCreateFailure: Error | undefined;

  put(job: Partial<TransformJobDescription> & { name: string }): void {
    this.jobs.set(job.name, {
      arn: transformJobArn(job.name),
      status: 'InProgress',
      inputS3Uri: '',
      outputS3Uri: '',
      modelName: '',
      ...job,
    });
  }

  failNextCreate(error: Error): void {
    this.nextCreateFailure = error;
  }

  async describeTransformJob(name: string) {
    this.described.push(name);
    const job = this.jobs.get(name);
    return job === undefined ? undefined : structuredClone(job);
  }

  async createTransformJob(request: CreateTransformJobCommandInput) {
    this.created.push(structuredClone(request));
    const failure = this.nextCreateFailure;
    if (failure !== undefined) {
      this.nextCreateFailure = undefined;
      throw failure;
    }
    const name = request.TransformJobName ?? '';
    if (this.jobs.has(name)) {
      throw Object.assign(
        new Error(`Job name must be unique within an AWS account and region, and a job with this name already exists`),
        { name: 'ValidationException' },
      );
    }
    this.put({
      name,
      inputS3Uri: request.TransformInput?.DataSource?.S3DataSource?.S3Uri ?? '',
      outputS3Uri: request.TransformOutput?.S3OutputPath ?? '',
      modelName: request.ModelName ?? '',
    });
    return transformJobArn(name);
  }

  async stopTransformJob(name: string) {
    this.stopped.push(name);
    const job = this.jobs.get(name);
    if (job !== undefined) job.status = 'Stopping';
  }

  async listTransformJobs(nameContains: string, status: string) {
    return [...this.jobs.values()]
      .filter((job) => job.name.includes(nameContains) && job.status === status)
      .map((job) => job.name);
  }
}

/** An in-memory bucket listing: `s3://bucket/key` URIs in, ListObjectsV2 semantics (prefix match, key order) out. */
export class FakeObjects {
  private readonly objects = new Map<string, Set<string>>();
  /** Every list call, as `s3://bucket/prefix`. */
  readonly listed: string[] = [];

  constructor(uris: string[] = []) {
    for (const uri of uris) this.add(uri);
  }

  add(uri: string): void {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!match?.[1] || match[2] === undefined) throw new Error(`bad uri ${uri}`);
    const keys = this.objects.get(match[1]) ?? new Set<string>();
    keys.add(match[2]);
    this.objects.set(match[1], keys);
  }

  async list(bucket: string, prefix: string): Promise<StoredObject[]> {
    this.listed.push(`s3://${bucket}/${prefix}`);
    return [...(this.objects.get(bucket) ?? [])]
      .filter((key) => key.startsWith(prefix))
      .sort()
      .map((key) => ({ key, size: 10, etag: 'etag', lastModified: new Date(0) }));
  }
}
