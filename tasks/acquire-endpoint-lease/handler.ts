import { S3Client } from '@aws-sdk/client-s3';
import { s3LeaseStore } from '../_shared/endpoint-lease.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { AcquireEndpointLeaseState, acquireEndpointLease } from './acquire-endpoint-lease.ts';

const s3 = new S3Client({});

/** Lambda entry of the AcquireEndpointLease step. */
export const handler = stepHandler(AcquireEndpointLeaseState, 'AcquireEndpointLease', (state) =>
  acquireEndpointLease(state, { leases: s3LeaseStore(s3, requiredEnv('ARTIFACT_BUCKET_NAME')), now: () => new Date() }),
);
