/**
 * `smwf demo --right-size`: RightSizeEndpoint end to end on this machine. The emulator (on a fresh state directory)
 * and the synthesized state machine with the real handlers right-size the example linear model over one instance
 * type × instance counts 1 and 2 × SAGEMAKER_MODEL_SERVER_WORKERS 1 and 2. The model serves each prediction in a
 * fixed 20 ms (SMWF_EXAMPLE_SERVICE_MS) with one prediction per worker at a time, so the figures follow queueing
 * arithmetic a reader can check: one worker sustains about 1 / 20 ms = 50 requests a second, two workers or two
 * instances about 100, both about 200. Each candidate is a throwaway endpoint the execution deletes; the demo prints
 * the ranked table and the recommendation, and saves the report and its summary as `smwf run` does.
 */
import { rmSync } from 'node:fs';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ReportFiles } from '../../contracts/parts/report-files.ts';
import type { RankedCandidate, RightSizeReport } from '../../contracts/parts/right-size.ts';
import { exampleImage, exampleModelArchive } from '../../examples/example-models.ts';
import { startEmulator } from '../../local/emulator/index.ts';
import { useLocalEmulator } from '../../local/runner/local-aws-env.ts';
import { artifactBucketName, provisionLocalStack } from '../../local/runner/local-stack.ts';
import { createLocalRunner } from '../../local/runner/runner.ts';
import { type LocalStepFunctions, serveLocalStepFunctions } from '../../local/triggers/step-functions-api.ts';
import { formatNumber, formatUsd, MISSING } from '../../tasks/_shared/report/format.ts';
import { executionName } from '../execution-name.ts';
import { formatTable, progressPrinter, shortCause } from '../render/progress.ts';
import { saveReportFiles } from '../report-files.ts';

/** The example model's fixed service time per prediction, in milliseconds. */
export const RIGHT_SIZE_DEMO_SERVICE_MS = 20;
/** The rate the recommendation is sized for, requests per second. */
const TARGET_REQUESTS_PER_SECOND = 60;
const LATENCY_THRESHOLD_MS = 150;

/**
 * The demo's RightSizeEndpoint input. 3, 6 and 9 users, 3 s each, at a P95 threshold of 150 ms: a single worker
 * (one request at a time, 20 ms each) makes the third user wait for two others (60 ms), the sixth for five (120 ms),
 * and breaks the threshold at nine (180 ms), while it serves 50 a second throughout. The first step has 90 ms to spare,
 * so that a machine busy with other work still ranks every candidate (a loaded 2-core machine adds tens of ms). At 60 requests a second
 * and a safety factor of 0.5 (each instance planned at half what it sustained), a one-worker instance (50/s) counts
 * for 25: 3 instances; a two-worker one (100/s) for 50: 2 instances.
 */
function rightSizeDemoInput(modelDataUrl: string) {
  return {
    endpointNamePrefix: 'smwf-demo-rs',
    model: {
      image: exampleImage('linear'),
      modelDataUrl,
      environment: { SMWF_EXAMPLE_SERVICE_MS: String(RIGHT_SIZE_DEMO_SERVICE_MS) },
    },
    candidates: {
      instanceTypes: ['ml.c5.large'],
      instanceCounts: [1, 2],
      environmentRanges: { SAGEMAKER_MODEL_SERVER_WORKERS: ['1', '2'] },
    },
    samples: [{ contentType: 'text/csv', accept: 'application/json', body: '1,2' }],
    pattern: { stairs: { usersPerStep: 3, steps: 3, stepSeconds: 3 } },
    stoppingConditions: { latencyThreshold: { percentile: 'P95', valueMs: LATENCY_THRESHOLD_MS } },
    // Short windows and CloudWatch periods, so that seconds-long steps have figures.
    options: { startLeadSeconds: 1, windowSeconds: 1, metricsPeriodSeconds: 1, metricsDelaySeconds: 0 },
    targetRequestsPerSecond: TARGET_REQUESTS_PER_SECOND,
    safetyFactor: 0.5,
    region: 'us-east-1',
    maxConcurrency: 2,
    warmUpInvocations: 4,
    wait: { initialIntervalSeconds: 1, maxIntervalSeconds: 2, timeoutMinutes: 5 },
  };
}

/** The headers of the demo's table. */
const RIGHT_SIZE_TABLE_HEADERS = [
  'rank',
  'candidate',
  'sustained req/s',
  'p95 ms',
  'instances at target',
  '$/hour at target',
  '$/million',
] as const;

/** One row of the demo's table: a candidate's figures as text. */
function tableRow(c: RankedCandidate): string[] {
  return [
    c.rank === null ? MISSING : String(c.rank),
    c.label,
    formatNumber(c.requestsPerSecond, 1),
    formatNumber(c.latencyMs?.p95, 1),
    c.instanceCountForTarget === null ? MISSING : String(c.instanceCountForTarget),
    formatUsd(c.costPerHourAtTarget),
    formatUsd(c.costPerMillionInferences),
  ];
}

/** The recommendation as one line, or why there is none. */
function recommendationLine(report: RightSizeReport): string {
  const r = report.recommendation;
  if (r === null) return `No recommendation: ${report.noRecommendationBecause ?? 'no candidate meets the target'}`;
  const environment = Object.entries(r.environment)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  const count = r.instanceCount ?? 1;
  return `Recommended: ${r.instanceType} × ${count} instance${count === 1 ? '' : 's'}${environment ? `, ${environment}` : ''}, ${formatUsd(r.costPerHour)}/hour. ${r.reason}.`;
}

/** `smwf demo --right-size`, on the fresh state directory `stateDir`; the report is saved under `reportDir`. */
export async function rightSizeDemo(options: {
  json: boolean;
  keep: boolean;
  stateDir: string;
  reportDir: string;
}): Promise<number> {
  const { json, stateDir } = options;
  const say = (text: string) => {
    if (!json) console.log(text);
  };
  const started = Date.now();
  const emulator = await startEmulator({ port: 0, stateDir, startupTimeoutSeconds: 20 });
  let report: RightSizeReport | undefined;
  let failure: string | undefined;
  let saved: ReportFiles | undefined;
  let stepFunctions: LocalStepFunctions | undefined;
  try {
    useLocalEmulator(emulator.url);
    say(`Local emulator at ${emulator.url} (state in ${stateDir})`);
    const s3 = new S3Client({ forcePathStyle: true });
    const runner = await createLocalRunner({ waitTimeMs: 100 });
    // The model goes to the stack's artifact bucket, which the steps' roles and the endpoints reach.
    await provisionLocalStack(runner.workflows);
    // The candidates' deployments complete their waiting tasks, and ask about leases, through Step Functions.
    stepFunctions = await serveLocalStepFunctions(runner);
    const key = 'models/linear-v1/model.tar.gz';
    const bucket = artifactBucketName(runner.workflows);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await exampleModelArchive('linear-v1') }));
    const input = rightSizeDemoInput(`s3://${bucket}/${key}`);
    say(
      `\n== Right-size the example model (${RIGHT_SIZE_DEMO_SERVICE_MS} ms a prediction, one per worker at a time): ml.c5.large × 1 and 2 instances × 1 and 2 workers, for ${TARGET_REQUESTS_PER_SECOND} req/s at P95 <= ${LATENCY_THRESHOLD_MS} ms`,
    );
    const printer = progressPrinter({ json, color: !json && process.stdout.isTTY === true, write: console.log });
    const result = await runner.start('RightSizeEndpoint', input, {
      name: executionName('RightSizeEndpoint', input),
      onEvent: printer,
    }).result;
    if (result.status === 'SUCCEEDED') {
      report = result.output as RightSizeReport;
      saved = await saveReportFiles(s3, result.output, options.reportDir);
    } else {
      failure = `RightSizeEndpoint ${result.status}: ${result.error ?? ''}: ${shortCause(result.cause)}`;
    }
  } finally {
    await stepFunctions?.stop();
    await emulator.stop();
    if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
  }

  const ok = report !== undefined && report.recommendation !== null && saved !== undefined;
  const wallTime = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (json) {
    console.log(
      JSON.stringify({
        type: 'RightSizeDemoResult',
        ok,
        candidates: report?.candidates.map((c) =>
          Object.fromEntries(RIGHT_SIZE_TABLE_HEADERS.map((h, i) => [h, tableRow(c)[i]])),
        ),
        recommendation: report?.recommendation ?? null,
        ...(report !== undefined ? { recommendationLine: recommendationLine(report) } : {}),
        ...(saved !== undefined ? { reportFiles: saved } : {}),
        ...(failure !== undefined ? { failure } : {}),
        wallTimeMs: Date.now() - started,
      }),
    );
  } else if (report === undefined) {
    say(`\n${failure}\n\nwall time ${wallTime}; THE RIGHT-SIZING DID NOT END AS EXPECTED`);
  } else {
    say(`\n${formatTable(RIGHT_SIZE_TABLE_HEADERS, report.candidates.map(tableRow))}`);
    say(`\n${recommendationLine(report)}`);
    if (saved !== undefined) say(`\nreport: ${saved.html}\nsummary: ${saved.markdown}`);
    say(
      `\nFigures measured on this machine: its instances are processes sharing its cores. wall time ${wallTime}; ${ok ? 'the right-sizing ended as expected' : 'THE RIGHT-SIZING DID NOT END AS EXPECTED'}`,
    );
  }
  if (options.keep) say(`State kept in ${stateDir}`);
  return ok ? 0 : 1;
}
