import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { handler } from '../../tasks/write-load-test-report/handler.ts';
import { writeLoadTestReport } from '../../tasks/write-load-test-report/write-load-test-report.ts';
import { loadTestReport } from './report/fixtures.ts';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const state = () => ({
  execution: { id: 'arn:aws:states:us-east-1:123456789012:execution:LoadTestEndpoint:lt-1', name: 'lt-1' },
  loadTest: {
    request: {
      stoppingConditions: { latencyThreshold: { percentile: 'P95' as const, valueMs: 60 }, maxErrorRate: 0.01 },
    },
    report: loadTestReport(),
  },
});

describe('WriteLoadTestReport', () => {
  it('writes the HTML page and the Markdown summary under reports/LoadTestEndpoint/<execution>/ and outputs their URIs', async () => {
    const written = new Map<string, { body: string; contentType: string }>();
    const out = await writeLoadTestReport(state(), {
      objects: {
        put: async (key, body, contentType) => {
          written.set(key, { body, contentType });
        },
        uriOf: (key) => `s3://artifacts/${key}`,
      },
      site: { kind: 'aws', region: 'us-east-1' },
      now: () => new Date('2026-12-06T16:00:00Z'),
    });

    expect(out.loadTest.report.reportFiles).toEqual({
      html: 's3://artifacts/reports/LoadTestEndpoint/lt-1/report.html',
      markdown: 's3://artifacts/reports/LoadTestEndpoint/lt-1/summary.md',
    });
    // The rest of the report is unchanged.
    expect(out.loadTest.report.verdict).toEqual(loadTestReport().verdict);
    const html = written.get('reports/LoadTestEndpoint/lt-1/report.html');
    expect(html?.contentType).toBe('text/html; charset=utf-8');
    expect(html?.body).toContain('<svg');
    expect(html?.body).toContain('P95 threshold 60.0 ms');
    expect(html?.body).toContain('Measured on AWS in us-east-1');
    expect(html?.body).toContain('2026-12-06T16:00:00.000Z');
    const markdown = written.get('reports/LoadTestEndpoint/lt-1/summary.md');
    expect(markdown?.contentType).toBe('text/markdown; charset=utf-8');
    expect(markdown?.body).toMatch(/^# Load test of churn-predictor\n/);
  });

  it('puts both objects in the stack’s artifact bucket through the S3 client', async () => {
    process.env.ARTIFACT_BUCKET_NAME = 'stack-artifacts';
    s3.on(PutObjectCommand).resolves({});

    const out = await handler(state());

    const puts = s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key]);
    expect(puts).toEqual([
      ['stack-artifacts', 'reports/LoadTestEndpoint/lt-1/report.html'],
      ['stack-artifacts', 'reports/LoadTestEndpoint/lt-1/summary.md'],
    ]);
    expect(out.loadTest.report.reportFiles?.html).toBe(
      's3://stack-artifacts/reports/LoadTestEndpoint/lt-1/report.html',
    );
  });

  it('refuses a state without the load test’s report, naming the field', async () => {
    const { report: _report, ...withoutReport } = state().loadTest;
    await expect(handler({ ...state(), loadTest: withoutReport })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('loadTest.report: expected an object, received undefined'),
    });
  });
});
