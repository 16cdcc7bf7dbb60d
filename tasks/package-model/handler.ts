import { packagingStepHandler } from '../_shared/packaging-handler.ts';
import { packageModel } from './package-model.ts';

/** Lambda entry of the BuildArchive step. */
export const handler = packagingStepHandler('PackageModel', packageModel);
