/**
 * How the steps check the parts of a state document that several of them read (see state-slice.ts): one
 * definition each, whichever step reads them.
 */
import type { EndpointLease } from '../../contracts/endpoint-lease.ts';
import { type FieldSpecs, optional } from './state-slice.ts';

/** A resource a step created or reused: `{ name, arn, created }` (model, endpoint config, transform job). */
export const CREATED_RESOURCE = { name: 'string', arn: 'string', created: 'boolean' } as const;

/** Where a wait loop stands. */
export const WAIT_PROGRESS = { attempt: 'number', seconds: 'number', deadline: 'string' } as const;

/** The error object a Catch stored. */
export const CAUGHT_ERROR = { Error: 'string', Cause: optional('string') } as const;

/** What StartDeployment did to the endpoint. */
export const ENDPOINT_CHANGE = {
  name: 'string',
  arn: 'string',
  action: 'string',
  previousConfigName: optional('string'),
} as const;

/** A resolved BatchTransform run (ResolveRun's `run`). */
export const RESOLVED_RUN = {
  jobName: 'string',
  scheduledTime: 'string',
  inputS3Uri: 'string',
  outputS3Uri: 'string',
  action: 'string',
  inputObjects: 'number',
} as const;

/** How the lease steps check `$.lease` (ChooseEndpointLease and the steps before wrote it). */
export const LEASE_SLICE: FieldSpecs<EndpointLease> = {
  endpointName: 'string',
  workflow: 'string',
  waitMinutes: 'number',
  acquired: optional('boolean'),
  takenAt: optional('string'),
  expiresAt: optional('string'),
  takenOver: optional('object'),
  holder: optional({
    executionArn: 'string',
    workflow: 'string',
    takenAt: 'string',
    heldSeconds: 'number',
    etag: 'string',
    status: optional('string'),
  }),
  wait: optional(WAIT_PROGRESS),
  released: optional('boolean'),
  releaseNote: optional('string'),
};
