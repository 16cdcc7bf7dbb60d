/** The input contract of every state machine, by workflow name (for validation docs and `smwf schema`). */
import type * as z from 'zod/mini';
import { BatchTransformInput } from './batch-transform/contract.ts';
import { DeployEndpointInput } from './deploy-endpoint/contract.ts';
import { PackageModelInput } from './parts/packaging.ts';
import type { WorkflowName } from './workflow-names.ts';

export const WORKFLOW_INPUTS: Readonly<Record<WorkflowName, z.ZodMiniType>> = {
  DeployEndpoint: DeployEndpointInput,
  PackageModel: PackageModelInput,
  BatchTransform: BatchTransformInput,
};
