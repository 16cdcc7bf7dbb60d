import { S3Client } from '@aws-sdk/client-s3';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { measurementSite } from '../_shared/report/measurement-site.ts';
import { s3ReportObjects } from '../_shared/report/report-files.ts';
import { writeRightSizeReport } from '../_shared/report/right-size-report.ts';
import { RecommendRightSizeState, recommendRightSize } from './recommend-right-size.ts';

const s3 = new S3Client({});

/** Lambda entry of the RecommendRightSize step: the recommendation, then its report and summary in the artifact bucket. */
export const handler = stepHandler(RecommendRightSizeState, 'RecommendRightSize', async (state) => {
  const report = await recommendRightSize(state, {
    region: process.env.AWS_REGION ?? 'us-east-1',
    local: process.env.AWS_ENDPOINT_URL !== undefined,
  });
  return writeRightSizeReport(report, state.execution.name, {
    objects: s3ReportObjects(s3, requiredEnv('ARTIFACT_BUCKET_NAME')),
    site: measurementSite(),
    now: () => new Date(),
  });
});
