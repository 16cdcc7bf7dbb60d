import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { SynthesizedWorkflows } from './synthesize.ts';

/**
 * Creates in the emulator what `cdk deploy` would have created and the tasks expect to exist: the stack's
 * buckets (the artifact bucket PackageModel writes to by default). Safe to repeat.
 */
export async function provisionLocalStack(workflows: SynthesizedWorkflows): Promise<void> {
  const s3 = new S3Client({ forcePathStyle: true });
  for (const bucket of workflows.bucketNames) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
  }
}

/** The stack's artifact bucket in local runs: where packages go by default and the steps' roles reach. */
export function artifactBucketName(workflows: SynthesizedWorkflows): string {
  for (const fn of workflows.functions.values()) {
    const name = fn.environment.ARTIFACT_BUCKET_NAME;
    if (name !== undefined) return name;
  }
  throw new Error('The synthesized stack names no artifact bucket (no function reads ARTIFACT_BUCKET_NAME)');
}
