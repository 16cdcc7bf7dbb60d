/** The transform-job operations of the SageMaker control plane: CreateTransformJob, Describe, Stop and List. */
import { notEmulated, ServiceError } from '../errors.ts';
import type { Operations } from '../operations.ts';
import { listResources, toSeconds } from '../store/listing.ts';
import { requireModel } from '../store/lookups.ts';
import { resourceArn, type SageMakerStore, type TransformJobRecord } from '../store/store.ts';
import { checkTransformLimits, checkTransformModel } from './job-settings.ts';
import type { TransformJobs } from './transform-jobs.ts';

type Input = Record<string, unknown>;

/** The transform-job operations; without `transforms`, CreateTransformJob is refused. */
export function transformJobOperations(store: SageMakerStore, transforms: TransformJobs | undefined): Operations {
  return {
    CreateTransformJob: (r, i) => createTransformJob(store, transforms, r, i),
    DescribeTransformJob: async (r, i) => requireTransformJob(store, r, String(i.TransformJobName)),
    StopTransformJob: async (r, i) => {
      const job = requireTransformJob(store, r, String(i.TransformJobName));
      await transforms?.stop(job);
      return {};
    },
    ListTransformJobs: async (r, i) => ({ TransformJobSummaries: [], ...listTransformJobs(store, r, i) }),
  };
}

function requireTransformJob(store: SageMakerStore, region: string, name: string): TransformJobRecord {
  const job = store.transformJobs.get(region, name);
  if (!job) throw new ServiceError('ResourceNotFound', `Could not find job to update with name ${name}`);
  return job;
}

async function createTransformJob(
  store: SageMakerStore,
  transforms: TransformJobs | undefined,
  region: string,
  input: Input,
): Promise<unknown> {
  if (!transforms) throw new ServiceError('UnknownOperationException', 'Transform jobs are not enabled.');
  const name = String(input.TransformJobName);
  const arn = resourceArn(region, 'transform-job', name);
  if (store.transformJobs.get(region, name)) {
    throw new ServiceError(
      'ResourceInUse',
      `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`,
    );
  }
  checkTransformModel(requireModel(store, region, String(input.ModelName)));
  checkTransformLimits(input);
  const source = ((input.TransformInput as Input).DataSource as Input).S3DataSource as Input | undefined;
  if (!source || source.S3DataType === 'ManifestFile' || (input.TransformInput as Input).SplitType === 'TFRecord') {
    throw notEmulated('Transform inputs other than S3Prefix/S3Object with SplitType None, Line or RecordIO are');
  }
  const now = store.nowSeconds();
  const record: TransformJobRecord = {
    ...input,
    TransformJobName: name,
    TransformJobArn: arn,
    TransformJobStatus: 'InProgress',
    ModelName: String(input.ModelName),
    CreationTime: now,
    TransformStartTime: now,
    LastModifiedTime: now,
    smwf: { region },
  };
  await transforms.start(record);
  return { TransformJobArn: arn };
}

function listTransformJobs(store: SageMakerStore, region: string, input: Input): Input {
  let jobs = store.transformJobs.list(region);
  if (typeof input.StatusEquals === 'string') jobs = jobs.filter((j) => j.TransformJobStatus === input.StatusEquals);
  const after = toSeconds(input.LastModifiedTimeAfter);
  const before = toSeconds(input.LastModifiedTimeBefore);
  if (after !== undefined) jobs = jobs.filter((j) => j.LastModifiedTime > after);
  if (before !== undefined) jobs = jobs.filter((j) => j.LastModifiedTime < before);
  const listed = jobs.map((j) => ({ ...j, EndpointStatus: j.TransformJobStatus }));
  // ListTransformJobs: CreationTimeAfter "returns only transform jobs created after the specified time".
  return listResources(listed, 'TransformJobName', input, 'TransformJobSummaries', false);
}
