/**
 * The transform job calls the BatchTransform tasks make, beside the SageMakerGateway and with its error
 * translation: a missing job is `undefined`, throttling is SageMakerThrottledError.
 */
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandOutput,
  ListTransformJobsCommand,
  type SageMakerClient,
  StopTransformJobCommand,
  type TransformJobStatus,
} from '@aws-sdk/client-sagemaker';
import { callSageMaker, isNotFound } from './sagemaker.ts';

/** The parts of DescribeTransformJob the workflow reads. */
export interface TransformJobDescription {
  name: string;
  arn: string;
  status: string;
  failureReason?: string;
  inputS3Uri: string;
  outputS3Uri: string;
  modelName: string;
}

/** Every transform job call a task makes. */
export interface TransformJobGateway {
  describeTransformJob(name: string): Promise<TransformJobDescription | undefined>;
  /** Returns the job's ARN. */
  createTransformJob(request: CreateTransformJobCommandInput): Promise<string>;
  stopTransformJob(name: string): Promise<void>;
  /** The names of the transform jobs whose names contain `nameContains` and whose status is `status`. */
  listTransformJobs(nameContains: string, status: string): Promise<string[]>;
}

/** Whether SageMaker refused a create because the job name exists (a concurrent or repeated start). */
export function isJobNameTaken(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ResourceInUse' || /already exists/.test(error.message));
}

/** The TransformJobGateway backed by the AWS SDK client. */
export function transformJobGateway(client: SageMakerClient): TransformJobGateway {
  return {
    async describeTransformJob(name) {
      let job: DescribeTransformJobCommandOutput;
      try {
        job = await callSageMaker('DescribeTransformJob', () =>
          client.send(new DescribeTransformJobCommand({ TransformJobName: name })),
        );
      } catch (error) {
        if (isNotFound(error) || (error instanceof Error && /Could not find/.test(error.message))) return undefined;
        throw error;
      }
      if (!job.TransformJobName || !job.TransformJobArn) return undefined;
      return {
        name: job.TransformJobName,
        arn: job.TransformJobArn,
        status: job.TransformJobStatus ?? 'Unknown',
        ...(job.FailureReason !== undefined ? { failureReason: job.FailureReason } : {}),
        inputS3Uri: job.TransformInput?.DataSource?.S3DataSource?.S3Uri ?? '',
        outputS3Uri: job.TransformOutput?.S3OutputPath ?? '',
        modelName: job.ModelName ?? '',
      };
    },
    async createTransformJob(request) {
      const out = await callSageMaker('CreateTransformJob', () => client.send(new CreateTransformJobCommand(request)));
      return out.TransformJobArn ?? '';
    },
    async stopTransformJob(name) {
      await callSageMaker('StopTransformJob', () =>
        client.send(new StopTransformJobCommand({ TransformJobName: name })),
      );
    },
    async listTransformJobs(nameContains, status) {
      const names: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await callSageMaker('ListTransformJobs', () =>
          client.send(
            new ListTransformJobsCommand({
              NameContains: nameContains,
              StatusEquals: status as TransformJobStatus,
              MaxResults: 100,
              ...(NextToken !== undefined ? { NextToken } : {}),
            }),
          ),
        );
        for (const job of page.TransformJobSummaries ?? []) if (job.TransformJobName) names.push(job.TransformJobName);
        NextToken = page.NextToken;
      } while (NextToken !== undefined);
      return names;
    },
  };
}
