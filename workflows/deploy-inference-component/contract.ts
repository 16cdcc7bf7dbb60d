/** The DeployInferenceComponent contract: the endpoint that hosts it, the component, its update and its check. */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import {
  DeploymentTags,
  DeploymentWait,
  HealthCheckSpec,
  samplesTargetTheirContainers,
} from '../../contracts/parts/endpoint.ts';
import {
  ComponentEndpointSpec,
  ComponentRollingUpdate,
  ComponentSpec,
  requirementsProblems,
} from '../../contracts/parts/inference-component.ts';

/** The execution input of DeployInferenceComponent. */
export const DeployInferenceComponentInput = z
  .strictObject({
    /** The endpoint that hosts the component; created (with `endpoint`) when it does not exist. */
    endpointName: sageMakerName,
    /** The endpoint's instances: used to create it, and to check that the component fits one instance. */
    endpoint: ComponentEndpointSpec,
    component: ComponentSpec,
    /** How an update of an existing component rolls out. @default one copy at a time, no wait */
    rollingUpdate: z._default(ComponentRollingUpdate, {
      maximumBatchSize: { type: 'COPY_COUNT', value: 1 },
      waitIntervalSeconds: 0,
    }),
    /** Run against the component (InferenceComponentName) once it serves. */
    healthCheck: HealthCheckSpec,
    wait: DeploymentWait,
    tags: DeploymentTags,
  })
  .check(
    z.superRefine((input, ctx) => {
      for (const problem of requirementsProblems(
        input.endpoint.instanceType,
        input.component.computeResourceRequirements,
      )) {
        ctx.addIssue({
          code: 'custom',
          path: ['component', 'computeResourceRequirements', problem.path],
          message: problem.message,
          input: input.component.computeResourceRequirements,
        });
      }
      // A component is not invoked per container or variant: SageMaker routes by the component's name.
      for (const issue of samplesTargetTheirContainers(input.healthCheck.samples, [])) ctx.addIssue(issue);
      for (const [i, sample] of input.healthCheck.samples.entries()) {
        if (sample.targetVariant !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['healthCheck', 'samples', i, 'targetVariant'],
            message: 'expected none: an inference component is invoked by its name',
            input: sample.targetVariant,
          });
        }
      }
    }),
  );
