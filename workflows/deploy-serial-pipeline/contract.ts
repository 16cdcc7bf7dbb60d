/**
 * The DeploySerialPipeline contract: 2-15 containers run in order on every request (SageMaker's serial inference
 * pipeline), checked end to end with samples whose outputs are stated. Serverless does not run pipelines.
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

/** The execution input of DeploySerialPipeline. */
export const DeploySerialPipelineInput = z
  .strictObject({
    endpointName: sageMakerName,
    containers: Containers,
    ...endpointDeploymentFields,
    /** Always Serial: the containers run in order (per-container invocation is DeployMultiContainerEndpoint). */
    inferenceExecutionMode: z._default(z.literal('Serial'), 'Serial'),
  })
  .check(
    z.superRefine(instanceVariantsOnly('serverless endpoints do not run inference pipelines: use an instance type')),
    z.superRefine((input, ctx) => {
      for (const issue of containerListIssues(input.containers, 'Serial', ['containers'])) ctx.addIssue(issue);
      for (const [i, sample] of input.healthCheck.samples.entries()) {
        if (sample.expectedOutput === undefined && sample.expectedOutputContains === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['healthCheck', 'samples', i],
            message:
              'expected expectedOutput or expectedOutputContains: a pipeline is checked by its end-to-end answer',
            input: sample,
          });
        }
      }
    }),
    z.superRefine(guardrailsFitTheEndpoint),
    // A pipeline is invoked as a whole: no sample may target one container.
    z.superRefine((input, ctx) => samplesTargetTheirVariants({ ...input, containers: [] }, ctx)),
  );
