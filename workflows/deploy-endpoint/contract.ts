/**
 * The DeployEndpoint contract: the execution input a user writes (camelCase, defaults applied here) and
 * the state document the tasks pass along. The input is composed of the model, packaging and endpoint parts
 * (contracts/parts/); the checks that span them live here.
 */
import * as z from 'zod/mini';
import {
  CaughtError,
  CreatedResource,
  ExecutionFacts,
  PublishedEvent,
  sageMakerName,
  WaitProgress,
} from '../../contracts/contract-parts.ts';
import { AsyncInference, asyncFitsTheEndpoint } from '../../contracts/parts/async-inference.ts';
import {
  AutoScalingByVariant,
  AutoScalingRecord,
  autoScalingFitsTheVariants,
} from '../../contracts/parts/auto-scaling.ts';
import { captureNotOnServerless, DataCapture } from '../../contracts/parts/data-capture.ts';
import {
  EndpointChange,
  EndpointStatusSummary,
  endpointDeploymentFields,
  FinalizedRecord,
  guardrailsFitTheEndpoint,
  HealthCheckReport,
  RollbackRecord,
  samplesTargetTheirVariants,
} from '../../contracts/parts/endpoint.ts';
import { ModelSource } from '../../contracts/parts/model.ts';
import { PackagedModel } from '../../contracts/parts/packaging.ts';

/** The execution input of DeployEndpoint. */
export const DeployEndpointInput = z
  .strictObject({
    endpointName: sageMakerName,
    model: ModelSource,
    ...endpointDeploymentFields,
    /** Asynchronous inference: the endpoint takes InvokeEndpointAsync only, and the health check uses it. */
    async: z.optional(AsyncInference),
    /** Record a sample of the endpoint's requests and answers in S3 (instance-based variants only). */
    dataCapture: z.optional(DataCapture),
    /** Autoscaling of instance variants, by variant name, applied once the deployment is verified. */
    autoScaling: z.optional(AutoScalingByVariant),
  })
  .check(
    z.superRefine(samplesTargetTheirVariants),
    z.superRefine(guardrailsFitTheEndpoint),
    z.superRefine(asyncFitsTheEndpoint),
    z.superRefine(captureNotOnServerless),
    z.superRefine(autoScalingFitsTheVariants),
  );

/** What a user writes. */
export type DeployEndpointInputDocument = z.input<typeof DeployEndpointInput>;
/** The validated input with defaults applied. */
export type DeployEndpointRequest = z.output<typeof DeployEndpointInput>;

// ---------------------------------------------------------------------------------------------
// The state document: what the tasks pass along, each adding its part.
// ---------------------------------------------------------------------------------------------

/**
 * The whole state document of a DeployEndpoint execution after ValidateInput: what each step's slice (the part
 * of it that step parses) is cut from. Loose: members added by states that are not tasks (Catch results, Pass
 * states) pass through every task unchanged.
 */
export const DeploymentState = z.looseObject({
  request: DeployEndpointInput,
  execution: ExecutionFacts,
  /** What the packaging steps produced, when the input asked for packaging. */
  packaging: z.optional(z.object({ packaged: PackagedModel })),
  model: z.optional(CreatedResource),
  endpointConfig: z.optional(CreatedResource),
  endpoint: z.optional(EndpointChange),
  wait: z.optional(WaitProgress),
  endpointStatus: z.optional(EndpointStatusSummary),
  healthCheck: z.optional(HealthCheckReport),
  autoScaling: z.optional(AutoScalingRecord),
  finalized: z.optional(FinalizedRecord),
  error: z.optional(CaughtError),
  rollback: z.optional(RollbackRecord),
  rollbackError: z.optional(CaughtError),
  rollbackFailure: z.optional(z.object({ cause: z.string() })),
  publishError: z.optional(CaughtError),
  event: z.optional(PublishedEvent),
  /** The endpoint's lease (contracts/endpoint-lease.ts, EndpointLease), from ChooseEndpointLease on. */
  lease: z.optional(
    z.looseObject({
      endpointName: z.string(),
      workflow: z.string(),
      waitMinutes: z.number(),
      acquired: z.optional(z.boolean()),
      released: z.optional(z.boolean()),
    }),
  ),
  /** Why the lease could not be released (the run ended as it would have; the lease is then taken over). */
  leaseReleaseError: z.optional(CaughtError),
});

export type DeploymentState = z.output<typeof DeploymentState>;
