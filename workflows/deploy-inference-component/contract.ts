/** The DeployInferenceComponent contract: the endpoint that hosts it, the component, its update and its check. */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { ComponentAutoScaling } from '../../contracts/parts/auto-scaling.ts';
import {
  DeploymentTags,
  DeploymentWait,
  HealthCheckSpec,
  LeaseSettings,
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
    /**
     * Copy-count autoscaling, registered once the component is deployed and healthy (none: the component is not
     * registered). Suspended while an update rolls out; a rollback leaves the registration as it was.
     */
    autoScaling: z.optional(ComponentAutoScaling),
    /** Run against the component (InferenceComponentName) once it serves. */
    healthCheck: HealthCheckSpec,
    wait: DeploymentWait,
    tags: DeploymentTags,
    /** While another execution changes the endpoint (holds its lease): how long to wait for it. */
    lease: LeaseSettings,
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
      const scaling = input.autoScaling;
      const copies = input.component.copyCount;
      if (scaling !== undefined && (copies < scaling.minCapacity || copies > scaling.maxCapacity)) {
        // Registering the range would move the copy count into it (API reference, RegisterScalableTarget).
        ctx.addIssue({
          code: 'custom',
          path: ['component', 'copyCount'],
          message: `expected between autoScaling.minCapacity (${scaling.minCapacity}) and autoScaling.maxCapacity (${scaling.maxCapacity})`,
          input: copies,
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
