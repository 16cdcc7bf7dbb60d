import { firstStateHandler } from '../first-state.ts';
import { DeployApprovedModelPackageInput } from './contract.ts';

/** Lambda entry of DeployApprovedModelPackage's first state (ValidateInput): checks the event and the group's settings. */
export const handler = firstStateHandler('DeployApprovedModelPackage', DeployApprovedModelPackageInput);
