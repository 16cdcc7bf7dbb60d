/**
 * The CreateModel contract: a model (image and model data, files to package first, or a model package), or the
 * containers of a multi-container model and how they run (a serial pipeline, or Direct), and the endpoint it is
 * named and tagged for, as the deploy workflows name their models, so a later deployment of the same model to
 * that endpoint reuses it.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import { Containers, containerListIssues, InferenceExecutionMode } from '../../contracts/parts/containers.ts';
import { DeploymentTags } from '../../contracts/parts/endpoint.ts';
import { ModelSource } from '../../contracts/parts/model.ts';

/** The execution input of CreateModel. */
export const CreateModelInput = z
  .strictObject({
    /** The endpoint the model is for: it is named `<endpointName>-<hash of its spec>` and tagged as its. */
    endpointName: sageMakerName,
    /** One container. */
    model: z.optional(ModelSource),
    /** Several containers (2-15), run as `inferenceExecutionMode` says. */
    containers: z.optional(Containers),
    inferenceExecutionMode: z.optional(InferenceExecutionMode),
    tags: DeploymentTags,
  })
  .check(
    z.superRefine((input, ctx) => {
      if ((input.model === undefined) === (input.containers === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'expected either model (one container) or containers', input });
      }
      if (input.containers !== undefined) {
        const mode = input.inferenceExecutionMode ?? 'Serial';
        for (const issue of containerListIssues(input.containers, mode, ['containers'])) ctx.addIssue(issue);
      } else if (input.inferenceExecutionMode !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['inferenceExecutionMode'],
          message: 'inferenceExecutionMode applies to containers, not to a single-container model',
          input: input.inferenceExecutionMode,
        });
      }
    }),
  );
