import { availableParallelism } from 'node:os';
import { packagingStepHandler, s3Client } from '../_shared/packaging-handler.ts';
import { s3ArchiveUpload } from './archive-upload.ts';
import { packageModel } from './package-model.ts';

const upload = s3ArchiveUpload(s3Client);

/** Lambda entry of the BuildArchive step; gzip runs on every vCPU the function's memory setting gives it. */
export const handler = packagingStepHandler('PackageModel', (request, deps) =>
  packageModel(request, { ...deps, upload, compressionWorkers: availableParallelism() }),
);
