/**
 * WriteLoadTestReport: LoadTestEndpoint's last step. Renders the load test's report (ReportLoadTest's
 * `$.loadTest.report`) as an HTML page with its charts and a Markdown summary, writes both under the artifact
 * bucket at `reports/LoadTestEndpoint/<execution name>/`, and adds their URIs to the report as `reportFiles`.
 */
import type { LoadTestReport, StoppingConditions } from '../../contracts/parts/load-test.ts';
import type { ReportFiles } from '../../contracts/parts/report-files.ts';
import { renderLoadTestReport } from '../_shared/report/load-test-report.ts';
import type { MeasurementSite } from '../_shared/report/measurement-site.ts';
import { type ReportObjects, writeReportFiles } from '../_shared/report/report-files.ts';
import { optional, stateSlice } from '../_shared/state-slice.ts';

/** The workflow whose reports this step writes: the first folder of their keys. */
const LOAD_TEST_REPORT_WORKFLOW = 'LoadTestEndpoint';

/** The slice of the state document WriteLoadTestReport reads. */
export interface WriteLoadTestReportState {
  execution: { name: string };
  loadTest: {
    request: { stoppingConditions: Pick<StoppingConditions, 'latencyThreshold'> };
    report: LoadTestReport;
  };
}
export const WriteLoadTestReportState = stateSlice<WriteLoadTestReportState>({
  execution: { name: 'string' },
  loadTest: {
    request: {
      stoppingConditions: { latencyThreshold: optional({ percentile: 'string', valueMs: 'number' }) },
    },
    report: 'object',
  },
});

/** What WriteLoadTestReport needs from the outside. */
interface WriteLoadTestReportDeps {
  objects: ReportObjects;
  site: MeasurementSite;
  now(): Date;
}

/** The WriteLoadTestReport step. */
export async function writeLoadTestReport<S extends WriteLoadTestReportState>(
  state: S,
  deps: WriteLoadTestReportDeps,
): Promise<S & { loadTest: { report: LoadTestReport & { reportFiles: ReportFiles } } }> {
  const { report, request } = state.loadTest;
  const rendered = renderLoadTestReport(report, {
    workflow: LOAD_TEST_REPORT_WORKFLOW,
    executionName: state.execution.name,
    generatedAt: deps.now().toISOString(),
    site: deps.site,
    latencyThreshold: request.stoppingConditions.latencyThreshold,
  });
  const reportFiles = await writeReportFiles(deps.objects, LOAD_TEST_REPORT_WORKFLOW, state.execution.name, rendered);
  return { ...state, loadTest: { ...state.loadTest, report: { ...report, reportFiles } } };
}
