import { describe, expect, it } from 'vitest';
import type { ReportContext } from '../../../tasks/_shared/report/document.ts';
import {
  describePrices,
  renderRightSizeReport,
  writeRightSizeReport,
} from '../../../tasks/_shared/report/right-size-report.ts';
import { localContext, rightSizeReport } from './fixtures.ts';

const context: ReportContext = { ...localContext, workflow: 'RightSizeEndpoint' };

/** The `d` of every series line of the chart with `id`. */
function lines(html: string, id: string): string[] {
  const svg = html.slice(html.indexOf(`id="${id}"`), html.indexOf('</svg>', html.indexOf(`id="${id}"`)));
  return [...svg.matchAll(/<path class="series-line" d="([^"]*)"/g)].map((m) => m[1] as string);
}

describe('renderRightSizeReport', () => {
  it('leads with the recommendation and draws one latency line per tested candidate, the threshold across them', () => {
    const { html } = renderRightSizeReport(rightSizeReport(), context);

    expect(html).toContain(
      '<p class="verdict">Deploy ml.m5.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2 on 2 instances: $0.23 an hour, $0.32 per million inferences.',
    );
    const latency = lines(html, 'latency-vs-throughput');
    // Three candidates were tested, four steps each; the one that did not deploy has no line.
    expect(latency).toHaveLength(3);
    for (const d of latency) expect(d.match(/[ML]/g)).toHaveLength(4);
    expect(html).toMatch(/data-series="ml\.m5\.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2 \(recommended\)"/);
    expect(html).toContain('P95 threshold 60.0 ms</text>');
  });

  it('plots cost per million inferences against latency, one point per priced candidate, with labelled axes', () => {
    const { html } = renderRightSizeReport(rightSizeReport(), context);
    const svg = html.slice(html.indexOf('id="cost-vs-latency"'));

    expect(svg.slice(0, svg.indexOf('</svg>')).match(/<circle class="series-point"/g)).toHaveLength(3);
    expect(svg).toMatch(/x-axis-label"[^>]*>P95 latency at the highest passing step \(ms\)</);
    expect(svg).toMatch(/y-axis-label"[^>]*>Cost per million inferences \(USD\)</);
    expect(lines(html, 'cost-vs-latency')).toEqual([]);
  });

  it('ranks the candidates in a table, the recommended one emphasised, failures with SageMaker’s reason', () => {
    const { html, markdown } = renderRightSizeReport(rightSizeReport(), context);

    expect(html).toMatch(
      /<tr class="emphasised"><td class="num">1<\/td><td>ml\.m5\.large × 1, SAGEMAKER_MODEL_SERVER_WORKERS=2<\/td><td>yes<\/td>/,
    );
    expect(markdown).toContain(
      '| **1** | **ml.m5.large × 1, SAGEMAKER\\_MODEL\\_SERVER\\_WORKERS=2** | **yes** | **6,000** | **100.0** | **100.0** | **48.0** | **$0.12** | **$0.32** | **2 instances** | **$0.23** | **sourced \\[1\\]** |',
    );
    expect(markdown).toContain(
      '| – | ml.m5.xlarge × 1, SAGEMAKER\\_MODEL\\_SERVER\\_WORKERS=1 | no: it did not deploy |',
    );
    expect(markdown).toContain(
      '| ml.m5.xlarge × 1, SAGEMAKER\\_MODEL\\_SERVER\\_WORKERS=1 | deployFailed | DeploymentFailedError | The primary container for production variant AllTraffic did not pass the ping health check. |',
    );
  });

  it('gives the recommended DeployEndpoint input as JSON that parses back to it', () => {
    const report = rightSizeReport();
    const { markdown, html } = renderRightSizeReport(report, context);

    const json = /```json\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual(report.recommendation?.deployEndpointInput);
    expect(html).toContain('<pre><code class="language-json">{\n  &quot;endpointName&quot;: &quot;churn&quot;');
    expect(markdown).toContain('autoscaling target is 3,000 invocations per instance per minute');
  });

  it('says, candidate by candidate, whether its price is sourced (and from where) or an estimate', () => {
    const { html, markdown } = renderRightSizeReport(rightSizeReport(), context);

    expect(html).toContain(
      'Prices in USD for us-east-1: ml.m5.large from the committed table, at figures AWS published ([1], listed under &quot;Price sources&quot;); ml.m5.xlarge from the committed table&#39;s estimates, figures no public source was found for: pass current prices in the input for a decision that matters. The table (contracts/parts/hosting-prices.ts) was last checked against https://aws.amazon.com/sagemaker/pricing/ on 2026-12-06.',
    );
    // The failed candidate's row ends with its price's basis; the sources are listed with where to read them.
    expect(markdown).toMatch(
      /\| ml\.m5\.xlarge × 1, SAGEMAKER\\_MODEL\\_SERVER\\_WORKERS=1 \| no: it did not deploy \|.*\| estimate \|\n/,
    );
    expect(markdown).toContain('## Price sources');
    expect(markdown).toContain(
      '| \\[1\\] awsDgInstanceRecommendation | AWS | SageMaker Developer Guide, "Get an instance recommendation": an example DescribeInferenceRecommendationsJob response (CostPerHour) | 2021-10-26 | none | https://github.com/awsdocs/amazon-sagemaker-developer-guide/blob/a869fa5c9bd1074a85bd23748d0463e322ad8939/doc\\_source/inference-recommender-instance-recommendation.md |',
    );
    expect(html).toContain('Measured on this machine');
  });

  it('describes input, mixed and unpriced prices, and leaves the sources out when none was cited', () => {
    expect(
      describePrices({
        kind: 'mixed',
        region: 'us-west-2',
        currency: 'USD',
        tableUrl: 'https://aws.amazon.com/sagemaker/pricing/',
        tableDate: '2026-12-06',
        overridden: ['ml.g5.xlarge', 'serverless'],
        sourced: [],
        estimated: ['ml.m5.xlarge', 'ml.r5.large'],
        sources: [],
        unpriced: ['ml.p4d.24xlarge'],
      }),
    ).toBe(
      "Prices in USD for us-west-2: ml.m5.xlarge and ml.r5.large from the committed table's estimates, figures no public source was found for: pass current prices in the input for a decision that matters; ml.g5.xlarge and serverless from the execution input. No price was known for ml.p4d.24xlarge: their cost is left empty. The table (contracts/parts/hosting-prices.ts) was last checked against https://aws.amazon.com/sagemaker/pricing/ on 2026-12-06.",
    );
    expect(
      describePrices({
        kind: 'input',
        region: 'eu-west-1',
        currency: 'USD',
        overridden: ['ml.c5.large'],
        sourced: [],
        estimated: [],
        sources: [],
        unpriced: [],
      }),
    ).toBe('Prices in USD for eu-west-1: ml.c5.large from the execution input.');
    const report = { ...rightSizeReport(), prices: { ...rightSizeReport().prices, sources: [], sourced: [] } };
    expect(renderRightSizeReport(report, context).markdown).not.toContain('## Price sources');
  });

  it('says why nothing is recommended when no candidate meets the target', () => {
    const report = {
      ...rightSizeReport(),
      recommendation: null,
      noRecommendationBecause: 'every candidate broke P95 ≤ 60 ms',
    };
    const { html, markdown } = renderRightSizeReport(report, context);
    expect(html).toContain('<p class="warning">No candidate meets the target. every candidate broke P95 ≤ 60 ms</p>');
    expect(markdown).not.toContain('```json');
  });

  it('escapes candidate labels, environment values and failure reasons', () => {
    const report = rightSizeReport();
    report.candidates[3] = {
      ...(report.candidates[3] as (typeof report.candidates)[number]),
      label: 'ml.c5.xlarge × 1, X=<script>alert(1)</script>',
      failure: { error: 'DeploymentFailedError', cause: '<img src=x onerror=alert(1)> | pipe' },
    };
    const { html, markdown } = renderRightSizeReport(report, context);
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('X=&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(markdown).not.toMatch(/<script|<img/);
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)> \\| pipe');
  });
});

describe('writeRightSizeReport', () => {
  it('writes both files under reports/RightSizeEndpoint/<execution>/ and returns the report with their URIs', async () => {
    const keys: string[] = [];
    const out = await writeRightSizeReport(rightSizeReport(), 'rs-1', {
      objects: { put: async (key) => void keys.push(key), uriOf: (key) => `s3://artifacts/${key}` },
      site: { kind: 'aws', region: 'us-east-1' },
      now: () => new Date('2026-12-06T16:00:00Z'),
    });
    expect(keys).toEqual(['reports/RightSizeEndpoint/rs-1/report.html', 'reports/RightSizeEndpoint/rs-1/summary.md']);
    expect(out.reportFiles).toEqual({
      html: 's3://artifacts/reports/RightSizeEndpoint/rs-1/report.html',
      markdown: 's3://artifacts/reports/RightSizeEndpoint/rs-1/summary.md',
    });
    expect(out.candidates).toEqual(rightSizeReport().candidates);
  });
});
