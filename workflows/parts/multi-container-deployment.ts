/**
 * What a multi-container deployment's input has besides its containers: the same settings as DeployEndpoint's,
 * composed into DeployMultiContainerEndpoint's and DeploySerialPipeline's contracts.
 */
import * as z from 'zod/mini';
import { sageMakerName } from '../contract-parts.ts';
import { Containers } from './containers.ts';
import {
  DeploymentGuardrails,
  DeploymentTags,
  DeploymentWait,
  HealthCheckSpec,
  ModelVersion,
  OnFailure,
  RetainVersions,
  Variants,
} from './endpoint.ts';

/** The fields of a multi-container deployment's input, for a contract to compose. */
export const multiContainerDeploymentFields = {
  endpointName: sageMakerName,
  containers: Containers,
  modelVersion: z.optional(ModelVersion),
  variants: Variants,
  deployment: z.optional(DeploymentGuardrails),
  healthCheck: HealthCheckSpec,
  onFailure: OnFailure,
  retainVersions: RetainVersions,
  tags: DeploymentTags,
  wait: DeploymentWait,
};
