/**
 * The PackageModel contract: the state document of a packaging run. Its input and result are packaging parts
 * (workflows/parts/packaging.ts), which DeployEndpoint embeds too.
 */
import * as z from 'zod/mini';
import { ExecutionFacts } from '../contract-parts.ts';
import { PackagedModel, PackageModelInput } from '../parts/packaging.ts';

/** The state document of a PackageModel execution after ValidateInput. */
export const PackagingState = z.looseObject({
  request: PackageModelInput,
  execution: ExecutionFacts,
  packaged: z.optional(PackagedModel),
});
export type PackagingState = z.output<typeof PackagingState>;
