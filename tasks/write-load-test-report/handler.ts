import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { measurementSite } from '../_shared/report/measurement-site.ts';
import { s3ReportObjects } from '../_shared/report/report-files.ts';
import { WriteLoadTestReportState, writeLoadTestReport } from './write-load-test-report.ts';

const s3 = new S3Client({});

/** Lambda entry of the WriteLoadTestReport step. */
export const handler = stepHandler(WriteLoadTestReportState, 'WriteLoadTestReport', (state) =>
  writeLoadTestReport(state, {
    objects: s3ReportObjects(s3, requiredEnv('ARTIFACT_BUCKET_NAME')),
    site: measurementSite(),
    now: () => new Date(),
  }),
);
