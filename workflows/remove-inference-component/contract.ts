/** The RemoveInferenceComponent contract: the endpoint, the component to delete, and what to do when it empties. */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { DeploymentWait, HealthCheckSample, LeaseSettings } from '../../contracts/parts/endpoint.ts';

/** The execution input of RemoveInferenceComponent. */
export const RemoveInferenceComponentInput = z.strictObject({
  /** The endpoint that hosts the component. */
  endpointName: sageMakerName,
  component: z.strictObject({ name: sageMakerName }),
  /** Delete the endpoint (and its config) when this was its last component. @default false: the endpoint stays */
  deleteEndpointWhenEmpty: z._default(z.boolean(), false),
  /** The request sent with the component's name once it is gone, to report how the endpoint answers it. */
  probe: z._default(z.pick(HealthCheckSample, { body: true, contentType: true, accept: true }), {
    body: '{}',
    contentType: 'application/json',
  }),
  wait: DeploymentWait,
  /** While another execution changes the endpoint (holds its lease): how long to wait for it. */
  lease: LeaseSettings,
});
