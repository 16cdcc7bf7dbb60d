import { packagingStepHandler, s3Client } from '../_shared/packaging-handler.ts';
import { s3ArchiveUpload } from './archive-upload.ts';
import { packageModel } from './package-model.ts';

const upload = s3ArchiveUpload(s3Client);

/** Lambda entry of the BuildArchive step. */
export const handler = packagingStepHandler('PackageModel', (request, deps) =>
  packageModel(request, { ...deps, upload }),
);
