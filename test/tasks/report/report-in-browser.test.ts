/**
 * The reports as a person sees them: each page opened in headless Chromium, whose DOM shows that the charts drew
 * (lines of non-zero length inside their plots, labelled axes, tick labels) and whose console shows no error,
 * which includes anything the page's Content-Security-Policy refused to load.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderLoadTestReport } from '../../../tasks/_shared/report/load-test-report.ts';
import { renderRightSizeReport } from '../../../tasks/_shared/report/right-size-report.ts';
import { loadTestReport, localContext, rightSizeReport } from './fixtures.ts';
import { readPage } from './headless-chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'smwf-report-browser-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the page's charts look like once drawn. */
interface DrawnChart {
  id: string;
  width: number;
  height: number;
  lines: { d: string; length: number; inside: boolean }[];
  points: number;
  xLabel: string;
  yLabel: string;
  ticks: string[];
  guides: number;
}

const READ_CHARTS = `(() => [...document.querySelectorAll('svg.chart')].map((svg) => {
  const frame = svg.viewBox.baseVal;
  return {
    id: svg.id,
    width: svg.getBoundingClientRect().width,
    height: svg.getBoundingClientRect().height,
    lines: [...svg.querySelectorAll('path.series-line')].map((p) => {
      const box = p.getBBox();
      return {
        d: p.getAttribute('d') ?? '',
        length: p.getTotalLength(),
        inside: box.x >= 0 && box.y >= 0 && box.x + box.width <= frame.width && box.y + box.height <= frame.height,
      };
    }),
    points: svg.querySelectorAll('circle.series-point').length,
    xLabel: svg.querySelector('.x-axis-label')?.textContent ?? '',
    yLabel: svg.querySelector('.y-axis-label')?.textContent ?? '',
    ticks: [...svg.querySelectorAll('.tick-label')].map((t) => t.textContent),
    guides: svg.querySelectorAll('.guide path').length,
  };
}))()`;

function write(name: string, html: string): string {
  const path = join(dir, name);
  writeFileSync(path, html);
  return path;
}

describe('reports in headless Chromium', () => {
  it('draws the load test’s latency-vs-throughput chart, with labelled axes, and logs no error', async () => {
    const file = write('load-test.html', renderLoadTestReport(loadTestReport(), localContext).html);

    const { value: charts, errors } = await readPage<DrawnChart[]>(file, READ_CHARTS);

    expect(errors).toEqual([]);
    expect(charts).toHaveLength(1);
    const [chart] = charts;
    expect(chart?.id).toBe('latency-vs-throughput');
    expect(chart?.width).toBeGreaterThan(300);
    expect(chart?.lines).toHaveLength(1);
    expect(chart?.lines[0]?.d).toMatch(/^M[\d.]+ [\d.]+ L/);
    expect(chart?.lines[0]?.length).toBeGreaterThan(50);
    expect(chart?.lines[0]?.inside).toBe(true);
    expect(chart?.points).toBe(3);
    expect(chart?.xLabel).toBe('Successful requests per second');
    expect(chart?.yLabel).toBe('P95 latency (ms)');
    expect(chart?.ticks.length).toBeGreaterThanOrEqual(6);
    expect(chart?.guides).toBe(1);
  });

  it('draws the right-sizing’s two charts, a line per candidate and a point per priced one, and logs no error', async () => {
    const context = { ...localContext, workflow: 'RightSizeEndpoint' };
    const file = write('right-size.html', renderRightSizeReport(rightSizeReport(), context).html);

    const { value: charts, errors } = await readPage<DrawnChart[]>(file, READ_CHARTS);

    expect(errors).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual(['latency-vs-throughput', 'cost-vs-latency']);
    const [latency, cost] = charts;
    expect(latency?.lines).toHaveLength(3);
    for (const line of latency?.lines ?? []) {
      expect(line.length).toBeGreaterThan(50);
      expect(line.inside).toBe(true);
    }
    expect(latency?.yLabel).toBe('P95 latency (ms)');
    expect(cost?.points).toBe(3);
    expect(cost?.xLabel).toBe('P95 latency at the highest passing step (ms)');
    expect(cost?.yLabel).toBe('Cost per million inferences (USD)');
    expect(cost?.ticks.length).toBeGreaterThanOrEqual(6);
    expect(cost?.guides).toBe(1);
  });

  it('reports what the page logs: a page that breaks its own policy is caught', async () => {
    // The check itself, checked: an inline script is refused by the report's CSP, and that refusal is an error.
    const page = renderLoadTestReport(loadTestReport(), localContext).html.replace(
      '</main>',
      '<script>document.title = "ran"</script></main>',
    );
    const file = write('broken.html', page);

    const { value: title, errors } = await readPage<string>(file, 'document.title', 20_000, true);

    expect(title).toBe('Load test of churn-predictor');
    expect(errors.join('\n')).toMatch(/Content Security Policy/);
  });
});
