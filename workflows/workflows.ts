/**
 * Every workflow this project deploys, listed once. The stack, the CLI (`run`, `schema`, `diagram`, `docs`),
 * the published schemas and examples and the per-workflow tests all read this list. Adding a workflow = one
 * folder under workflows/ (workflow.ts, contract, definition, validate-input.ts) + one line here.
 */
import { addModelToMultiModelEndpoint } from './add-model-to-multi-model-endpoint/workflow.ts';
import { batchTransform } from './batch-transform/workflow.ts';
import { createEndpointConfig } from './create-endpoint-config/workflow.ts';
import { createModel } from './create-model/workflow.ts';
import { deployApprovedModelPackage } from './deploy-approved-model-package/workflow.ts';
import { deployEndpoint } from './deploy-endpoint/workflow.ts';
import { deployInferenceComponent } from './deploy-inference-component/workflow.ts';
import { deployMultiContainerEndpoint } from './deploy-multi-container-endpoint/workflow.ts';
import { deployMultiModelEndpoint } from './deploy-multi-model-endpoint/workflow.ts';
import { deploySerialPipeline } from './deploy-serial-pipeline/workflow.ts';
import { loadTestEndpoint } from './load-test-endpoint/workflow.ts';
import { packageModel } from './package-model/workflow.ts';
import { removeInferenceComponent } from './remove-inference-component/workflow.ts';
import { removeModelFromMultiModelEndpoint } from './remove-model-from-multi-model-endpoint/workflow.ts';
import { rightSizeEndpoint } from './right-size-endpoint/workflow.ts';
import type { WorkflowDefinition } from './workflow.ts';

/** Every workflow, in the order the CLI and the README list them. */
export const WORKFLOWS = [
  deployEndpoint,
  packageModel,
  batchTransform,
  createModel,
  createEndpointConfig,
  deployMultiModelEndpoint,
  addModelToMultiModelEndpoint,
  removeModelFromMultiModelEndpoint,
  deployMultiContainerEndpoint,
  deploySerialPipeline,
  deployApprovedModelPackage,
  loadTestEndpoint,
  deployInferenceComponent,
  removeInferenceComponent,
  rightSizeEndpoint,
] as const satisfies readonly WorkflowDefinition[];

/** The name of one of the project's workflows. */
export type WorkflowName = (typeof WORKFLOWS)[number]['name'];
