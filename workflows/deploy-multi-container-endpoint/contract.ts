/**
 * The DeployMultiContainerEndpoint contract: 2-15 containers on one endpoint, each invoked on its own by its
 * hostname (SageMaker's `InferenceExecutionConfig.Mode: Direct`), and every container health-checked.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { Containers, containerListIssues } from '../../contracts/parts/containers.ts';
import {
  endpointDeploymentFields,
  guardrailsFitTheEndpoint,
  instanceVariantsOnly,
  samplesTargetTheirVariants,
} from '../../contracts/parts/endpoint.ts';

/** The execution input of DeployMultiContainerEndpoint. */
export const DeployMultiContainerEndpointInput = z
  .strictObject({
    endpointName: sageMakerName,
    containers: Containers,
    ...endpointDeploymentFields,
    /** Always Direct: each container is invoked on its own (a serial pipeline is DeploySerialPipeline). */
    inferenceExecutionMode: z._default(z.literal('Direct'), 'Direct'),
  })
  .check(
    z.superRefine(
      instanceVariantsOnly(
        'expected an instance type: AWS does not document serverless multi-container (Direct) endpoints, so this project does not deploy them',
      ),
    ),
    z.superRefine((input, ctx) => {
      for (const issue of containerListIssues(input.containers, 'Direct', ['containers'])) ctx.addIssue(issue);
      const samples = input.healthCheck.samples;
      for (const [i, sample] of samples.entries()) {
        if (sample.targetContainerHostname === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['healthCheck', 'samples', i, 'targetContainerHostname'],
            message: 'expected the container this sample is for: a Direct endpoint is invoked by container hostname',
            input: sample,
          });
        }
      }
      const checked = new Set(samples.map((s) => s.targetContainerHostname));
      const unchecked = input.containers.filter((c) => c.hostname !== undefined && !checked.has(c.hostname));
      if (unchecked.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['healthCheck', 'samples'],
          message: `expected a sample for every container; none targets ${unchecked.map((c) => c.hostname).join(', ')}`,
          input: samples.length,
        });
      }
    }),
    z.superRefine(guardrailsFitTheEndpoint),
    z.superRefine(samplesTargetTheirVariants),
  );
