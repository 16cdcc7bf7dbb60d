import { S3Client } from '@aws-sdk/client-s3';
import { s3LeaseStore } from '../_shared/endpoint-lease.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { ReleaseEndpointLeaseState, releaseEndpointLease } from './release-endpoint-lease.ts';

const s3 = new S3Client({});

/** Lambda entry of the ReleaseEndpointLease step. */
export const handler = stepHandler(ReleaseEndpointLeaseState, 'ReleaseEndpointLease', (state) =>
  releaseEndpointLease(state, {
    leases: s3LeaseStore(s3, requiredEnv('ARTIFACT_BUCKET_NAME')),
    now: () => new Date(),
  }),
);
