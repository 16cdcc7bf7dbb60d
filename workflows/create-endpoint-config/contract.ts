/**
 * The CreateEndpointConfig contract: the production variants of an endpoint over an existing model, and the
 * endpoint the config is named and tagged for, as DeployEndpoint names its configs.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { AsyncEndpointConfig, asyncFitsTheVariants } from '../../contracts/parts/async-inference.ts';
import { captureNotOnServerless, DataCapture } from '../../contracts/parts/data-capture.ts';
import { DeploymentTags, Variants } from '../../contracts/parts/endpoint.ts';

/** The execution input of CreateEndpointConfig. */
export const CreateEndpointConfigInput = z
  .strictObject({
    /** The endpoint the config is for: it is named `<endpointName>-<hash of its variants>` and tagged as its. */
    endpointName: sageMakerName,
    /** The SageMaker model every variant serves (CreateModel's output `name`, or any model of this account). */
    modelName: sageMakerName,
    variants: Variants,
    tags: DeploymentTags,
    /** Record a sample of the endpoint's requests and answers in S3 (instance-based variants only). */
    dataCapture: z.optional(DataCapture),
    /** Asynchronous inference: an endpoint with this config takes InvokeEndpointAsync only. */
    async: z.optional(AsyncEndpointConfig),
  })
  .check(z.superRefine(captureNotOnServerless), z.superRefine(asyncFitsTheVariants));
