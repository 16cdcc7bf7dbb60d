import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { readEndpointMetrics } from '../_shared/endpoint-metrics.ts';
import { requiredEnv, stepHandler } from '../_shared/handler.ts';
import { ReportLoadTestState, reportLoadTest } from './report-load-test.ts';

const cloudwatch = new CloudWatchClient({});

/** Lambda entry of the ReportLoadTest step. */
export const handler = stepHandler(ReportLoadTestState, 'ReportLoadTest', (state) =>
  reportLoadTest(state, {
    readMetrics: (query) => readEndpointMetrics(cloudwatch, query),
    uriOf: (key) => `s3://${requiredEnv('ARTIFACT_BUCKET_NAME')}/${key}`,
  }),
);
