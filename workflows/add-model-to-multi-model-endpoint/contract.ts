/** The AddModelToMultiModelEndpoint contract: the endpoint, the model to add, and how to check it. */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { HealthCheckSpec, LeaseSettings, samplesTargetTheirContainers } from '../../contracts/parts/endpoint.ts';
import { MultiModelEntry } from '../../contracts/parts/multi-model.ts';

/** The execution input of AddModelToMultiModelEndpoint. */
export const AddModelToMultiModelEndpointInput = z
  .strictObject({
    /** A multi-model endpoint, InService. */
    endpointName: sageMakerName,
    /** Placed under the endpoint's prefix as `<name>-<content hash>.tar.gz`. */
    model: MultiModelEntry,
    /** Run against the new model once it is loaded; its first sample also warms it up. */
    healthCheck: HealthCheckSpec,
    /** While another execution changes the endpoint (holds its lease): how long to wait for it. */
    lease: LeaseSettings,
  })
  .check(
    // A multi-model endpoint is not invoked per container: SageMaker refuses a target container hostname.
    z.superRefine((input, ctx) => {
      for (const issue of samplesTargetTheirContainers(input.healthCheck.samples, [])) ctx.addIssue(issue);
    }),
  );
