/**
 * How the steps check the parts of a state document that several of them read (see state-slice.ts): one
 * definition each, whichever step reads them.
 */
import { optional } from './state-slice.ts';

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
