import { describe, expect, it } from 'vitest';
import { renderLoadTestReport } from '../../../tasks/_shared/report/load-test-report.ts';
import { describeSite, measurementSite } from '../../../tasks/_shared/report/measurement-site.ts';
import { loadTestReport, localContext, step } from './fixtures.ts';

describe('renderLoadTestReport', () => {
  it('gives the verdict, the latency chart with the threshold, and a row per step', () => {
    const { html, markdown } = renderLoadTestReport(loadTestReport(), localContext);

    expect(html).toContain(
      'Sustains 5,714 invocations per minute (95.2 per second) with 4 concurrent users at step 2, P95 42.0 ms. Stopped by latencyThreshold at step 3: P95 75 ms &gt; 60 ms.',
    );
    expect(html).toMatch(/<svg [^>]*id="latency-vs-throughput"/);
    const line = /<path class="series-line" d="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(line.match(/[ML]/g)).toHaveLength(3);
    expect(html).toContain('P95 threshold 60.0 ms</text>');
    expect(html).toMatch(/y-axis-label"[^>]*>P95 latency \(ms\)</);
    expect(html).toMatch(/x-axis-label"[^>]*>Successful requests per second</);
    // The table's second step (the verdict's) is emphasised; the third says why the test stopped.
    expect(html).toMatch(/<tr class="emphasised"><td class="num">2<\/td><td class="num">4<\/td>/);
    expect(html).toContain('failed: latencyThreshold (P95 75 ms &gt; 60 ms)');
    expect(markdown).toContain('| **2** | **4** | **20** | **1,905** |');
    expect(markdown).toContain('| 3 | 6 | 20 | 1,600 | 80.0 | 4,800 | 60.0 | 71.3 | 75.0 | 90.0 | 0.00% | 0 |');
    expect(markdown).toContain('| ModelError | 3 |');
  });

  it('is self-contained: no script, nothing fetched, a policy that forbids both', () => {
    const { html } = renderLoadTestReport(loadTestReport(), localContext);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|url\(|@import/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg|127\.0\.0\.1)/);
  });

  it('says that figures measured locally are this machine’s', () => {
    const { html, markdown } = renderLoadTestReport(loadTestReport(), localContext);
    expect(html).toContain('Measured on this machine (2 × Test CPU, 24 GiB) against the local SageMaker emulator');
    expect(markdown).toContain('these figures are this machine');
  });

  it('plots the threshold’s own percentile when it names another than P95', () => {
    const { html } = renderLoadTestReport(loadTestReport(), {
      ...localContext,
      latencyThreshold: { percentile: 'P99', valueMs: 80 },
    });
    expect(html).toMatch(/y-axis-label"[^>]*>P99 latency \(ms\)</);
    expect(html).toContain('P99 threshold 80.0 ms</text>');
  });

  it('escapes names it did not choose: variants, error codes, target models', () => {
    const report = loadTestReport('bad<name>');
    report.variants = [{ variantName: '<img src=x onerror=alert(1)>', serverless: true }];
    report.steps[0] = step(0, 2, 21, { errors: { '<script>x</script>|': 2 } });
    const { html, markdown } = renderLoadTestReport(report, localContext);
    expect(html).not.toMatch(/<img|<script|<name>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; (serverless)');
    expect(markdown).not.toMatch(/<img|<script/);
    expect(markdown).toContain('| &lt;script>x&lt;/script>\\| | 2 |');
  });

  it('says when no step met the conditions, and when there was nothing to plot', () => {
    const report = loadTestReport();
    report.steps = [
      step(0, 2, 21, {
        passed: false,
        succeeded: 0,
        latencyMs: { p50: null, p90: null, p95: null, p99: null, min: null, max: null, mean: null },
        stoppedBy: { condition: 'maxErrorRate', detail: '100% of requests failed > 1%' },
      }),
    ];
    report.verdict = {
      highestPassingStep: null,
      maxInvocations: null,
      users: null,
      latencyMs: null,
      modelLatencyMs: null,
      stoppedBy: { step: 0, condition: 'maxErrorRate', detail: '100% of requests failed > 1%' },
    };
    const { html } = renderLoadTestReport(report, localContext);
    expect(html).toContain(
      '<p class="warning">No step met the stopping conditions. Stopped by maxErrorRate at step 1: 100% of requests failed &gt; 1%.</p>',
    );
    expect(html).toContain('no measurements to plot');
  });
});

describe('measurementSite', () => {
  it('is this machine when the SDK is pointed at an emulator, AWS otherwise', () => {
    const local = measurementSite({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9000' });
    expect(local).toMatchObject({ kind: 'local', endpointUrl: 'http://127.0.0.1:9000' });
    expect(describeSite(local)).toMatch(/^Measured on this machine \(\d+ × .+, \d+ GiB\)/);
    const aws = measurementSite({ AWS_REGION: 'eu-west-1' });
    expect(aws).toEqual({ kind: 'aws', region: 'eu-west-1' });
    expect(describeSite(aws)).toContain('Measured on AWS in eu-west-1');
  });
});
