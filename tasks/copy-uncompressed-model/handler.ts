import { packagingStepHandler } from '../_shared/packaging-handler.ts';
import { copyUncompressedModel } from './copy-uncompressed-model.ts';

/** Lambda entry of the CopyUncompressedModel step. */
export const handler = packagingStepHandler('CopyUncompressedModel', copyUncompressedModel);
