/**
 * The DeployMultiModelEndpoint contract: one multi-model container over an S3 prefix, the models to place under
 * it first, and the rest as DeployEndpoint has it (instance variants only: SageMaker refuses serverless variants
 * for multi-model endpoints).
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../../contracts/contract-parts.ts';
import {
  endpointDeploymentFields,
  guardrailsFitTheEndpoint,
  instanceVariantsOnly,
  samplesTargetTheirVariants,
} from '../../contracts/parts/endpoint.ts';
import { MultiModelContainer, MultiModelEntry } from '../../contracts/parts/multi-model.ts';

/** The execution input of DeployMultiModelEndpoint. */
export const DeployMultiModelEndpointInput = z
  .strictObject({
    endpointName: sageMakerName,
    model: MultiModelContainer,
    /** Placed under the prefix before the endpoint changes; each one is health-checked. */
    models: z.array(MultiModelEntry).check(z.minLength(1), z.maxLength(50)),
    ...endpointDeploymentFields,
  })
  .check(
    z.superRefine(
      instanceVariantsOnly('multi-model endpoints run on instances: SageMaker refuses serverless variants for them'),
    ),
    z.superRefine((input, ctx) => {
      const names = input.models.map((m) => m.name);
      const duplicate = names.find((name, i) => names.indexOf(name) !== i);
      if (duplicate !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['models'],
          message: `model names must be unique; "${duplicate}" repeats`,
          input: input.models,
        });
      }
    }),
    z.superRefine(guardrailsFitTheEndpoint),
    z.superRefine(samplesTargetTheirVariants),
  );
