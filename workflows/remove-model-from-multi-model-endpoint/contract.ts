/** The RemoveModelFromMultiModelEndpoint contract: the endpoint, the model's TargetModel, and a probe request. */
import * as z from 'zod/mini';
import { headerValue, sageMakerName } from '../../contracts/contract-parts.ts';
import { LeaseSettings } from '../../contracts/parts/endpoint.ts';
import { TargetModel } from '../../contracts/parts/multi-model.ts';

/** A request to send to the removed model, to see how the endpoint answers it. */
export const Probe = z.strictObject({
  body: z._default(
    z.string().check(z.maxLength(6 * 1024 * 1024, 'expected at most 6 MiB (the InvokeEndpoint limit)')),
    '{}',
  ),
  contentType: z._default(headerValue, 'application/json'),
  accept: z.optional(headerValue),
});

/** The execution input of RemoveModelFromMultiModelEndpoint. */
export const RemoveModelFromMultiModelEndpointInput = z.strictObject({
  /** A multi-model endpoint, InService. */
  endpointName: sageMakerName,
  /** The model's key under the endpoint's prefix, as it is invoked (AddModelToMultiModelEndpoint's output). */
  targetModel: TargetModel,
  probe: z._default(Probe, { body: '{}', contentType: 'application/json' }),
  /** While another execution changes the endpoint (holds its lease): how long to wait for it. */
  lease: LeaseSettings,
});
