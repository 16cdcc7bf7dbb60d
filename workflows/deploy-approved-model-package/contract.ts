/**
 * The DeployApprovedModelPackage contract: the EventBridge event of a Model Registry approval decision and the
 * settings of the group it belongs to (the deployment config file's entry for that group), as the rule's target
 * hands them over.
 */
import * as z from 'zod/mini';
import {
  ModelPackageDeployment,
  ModelPackageStateChangeEvent,
} from '../../contracts/parts/model-package-deployment.ts';

/** The execution input of DeployApprovedModelPackage. */
export const DeployApprovedModelPackageInput = z.strictObject({
  /** The `SageMaker Model Package State Change` event, whole, as EventBridge delivered it. */
  event: ModelPackageStateChangeEvent,
  /** How the event's group deploys: its endpoint and the endpoint's settings. */
  deployment: ModelPackageDeployment,
});

/** The validated input with defaults applied. */
export type DeployApprovedModelPackageRequest = z.output<typeof DeployApprovedModelPackageInput>;
