/**
 * Multi-container model contract parts: the containers of a serial inference pipeline or of a multi-container
 * endpoint invoked per container (Direct). AWS's contract: ../shared/reference/sagemaker-variant-contracts.md §2-3.
 */
import * as z from 'zod/mini';
import {
  containerEnvironment,
  environmentBytes,
  environmentSizeIssue,
  imageUri,
  SAGEMAKER_NAME_PATTERN,
} from '../contract-parts.ts';
import { ModelDataSourceInput } from './model.ts';
import { MultiModelContainer } from './multi-model.ts';
import { modelDataUrl } from './s3.ts';

/** A container's name in its model: SageMaker's ContainerHostname. */
export const ContainerHostname = z
  .string()
  .check(
    z.maxLength(63),
    z.regex(
      SAGEMAKER_NAME_PATTERN,
      'expected 1-63 letters, digits or hyphens, starting and ending with a letter or digit',
    ),
  );

/** One container of a multi-container model: an image and its model data, as CreateModel's ContainerDefinition. */
export const ContainerInput = z
  .strictObject({
    hostname: z.optional(ContainerHostname),
    image: imageUri,
    modelDataUrl: z.optional(modelDataUrl),
    modelDataSource: z.optional(ModelDataSourceInput),
    environment: z.optional(containerEnvironment),
    /** This container serves every model under a prefix (at most one such container in a serial pipeline). */
    multiModel: z.optional(z.pick(MultiModelContainer, { prefix: true, cacheSetting: true })),
  })
  .check(
    z.superRefine((container, ctx) => {
      const data = (['modelDataUrl', 'modelDataSource', 'multiModel'] as const).filter(
        (k) => container[k] !== undefined,
      );
      if (data.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [data[1] as string],
          message: `give one of modelDataUrl, modelDataSource or multiModel, not ${data.join(' and ')}`,
          input: container,
        });
      }
    }),
  );
export type ContainerInput = z.output<typeof ContainerInput>;

/** How a multi-container model runs: its containers in order (Serial) or each on its own (Direct). */
export const InferenceExecutionMode = z.enum(['Serial', 'Direct']);
export type InferenceExecutionMode = z.output<typeof InferenceExecutionMode>;

type Issue = { code: 'custom'; path: PropertyKey[]; message: string; input: unknown };

/** The rules SageMaker applies to a container list in `mode`, reported at `path` (the list's field). */
export function containerListIssues(
  containers: readonly ContainerInput[],
  mode: InferenceExecutionMode,
  path: PropertyKey[],
): Issue[] {
  const issues: Issue[] = [];
  const named = containers.filter((c) => c.hostname !== undefined);
  if (mode === 'Direct' && named.length < containers.length) {
    const i = containers.findIndex((c) => c.hostname === undefined);
    issues.push({
      code: 'custom',
      path: [...path, i, 'hostname'],
      message: 'expected a hostname on every container: a Direct endpoint is invoked by container hostname',
      input: undefined,
    });
  }
  if (mode === 'Serial' && named.length > 0 && named.length < containers.length) {
    issues.push({
      code: 'custom',
      path,
      message: 'expected hostnames on all containers or on none: SageMaker names them all or by position',
      input: containers.length,
    });
  }
  const hostnames = named.map((c) => c.hostname);
  const repeated = hostnames.find((h, i) => hostnames.indexOf(h) !== i);
  if (repeated !== undefined) {
    issues.push({
      code: 'custom',
      path,
      message: `container hostnames must be unique; "${repeated}" repeats`,
      input: repeated,
    });
  }
  const multiModel = containers.flatMap((c, i) => (c.multiModel !== undefined ? [i] : []));
  if (mode === 'Direct' && multiModel.length > 0) {
    issues.push({
      code: 'custom',
      path: [...path, multiModel[0] as number, 'multiModel'],
      message: 'a multi-model container belongs in a serial pipeline, not in a Direct endpoint',
      input: undefined,
    });
  }
  if (mode === 'Serial' && multiModel.length > 1) {
    issues.push({
      code: 'custom',
      path: [...path, multiModel[1] as number, 'multiModel'],
      message: 'a serial pipeline holds at most one multi-model container',
      input: undefined,
    });
  }
  return issues;
}

/**
 * The containers of a multi-container model: 2 to 15 (a Direct endpoint serves at most 15 containers), whose
 * environments together fit what one model may hold.
 */
export const Containers = z.array(ContainerInput).check(
  z.minLength(2, 'expected at least 2 containers (one container is a single-container model)'),
  z.maxLength(15, 'expected at most 15 containers (SageMaker runs up to 15 in one model)'),
  z.superRefine((containers, ctx) => {
    const bytes = containers.reduce((sum, c) => sum + environmentBytes(c.environment ?? {}), 0);
    const issue = environmentSizeIssue(bytes, 'environment names and values across all containers');
    if (issue) ctx.addIssue(issue);
  }),
);
