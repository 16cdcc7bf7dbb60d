import { describe, expect, it } from 'vitest';
import { formatTick, niceTicks, renderChart } from '../../../tasks/_shared/report/chart.ts';
import { escapeMarkdown, escapeXml } from '../../../tasks/_shared/report/escape.ts';

/** The `d` of every path with `class` in an SVG. */
function pathData(svg: string, className: string): string[] {
  return [...svg.matchAll(new RegExp(`<path class="${className}" d="([^"]*)"`, 'g'))].map((m) => m[1] as string);
}

/** A path's points: every command's coordinates. */
function pathPoints(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('niceTicks', () => {
  it('runs from zero to a round value at or above the maximum, in round steps', () => {
    expect(niceTicks(95.2)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(12_400)).toEqual([0, 2500, 5000, 7500, 10_000, 12_500]);
  });

  it('gives the ticks of 0 to 1 when there is nothing to plot', () => {
    expect(niceTicks(0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(Number.NaN)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('labels ticks with the decimals their step needs and grouped thousands', () => {
    expect(formatTick(0.3, 0.1)).toBe('0.3');
    expect(formatTick(7500, 2500)).toBe('7,500');
    expect(formatTick(0.25, 0.25)).toBe('0.25');
  });
});

describe('renderChart', () => {
  const spec = {
    id: 'latency',
    title: 'P95 latency against throughput',
    xLabel: 'Successful requests per second',
    yLabel: 'P95 latency (ms)',
    style: 'line' as const,
    series: [
      {
        name: 'ml.m5.large × 1',
        points: [
          { x: 40, y: 20, label: '2 users' },
          { x: 80, y: 25, label: '4 users' },
          { x: 90, y: 60, label: '6 users' },
        ],
      },
      { name: 'ml.c5.xlarge × 2', points: [{ x: 150, y: 18 }], highlight: true },
    ],
    guides: [{ axis: 'y' as const, value: 50, label: 'P95 threshold 50 ms' }],
  };

  it('draws one line per series through its points, inside the plot', () => {
    const svg = renderChart(spec);
    const [first, second] = pathData(svg, 'series-line');
    const points = pathPoints(first as string);
    expect(points).toHaveLength(3);
    // Higher latency is higher up the page (smaller y); more throughput further right.
    expect(points[2]?.[1]).toBeLessThan(points[1]?.[1] as number);
    expect(points[1]?.[0]).toBeGreaterThan(points[0]?.[0] as number);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(78);
      expect(x).toBeLessThanOrEqual(692);
      expect(y).toBeGreaterThanOrEqual(44);
      expect(y).toBeLessThanOrEqual(344);
    }
    expect(pathPoints(second as string)).toHaveLength(1);
    expect(svg.match(/<circle class="series-point"/g)).toHaveLength(4);
  });

  it('labels both axes and writes round tick labels', () => {
    const svg = renderChart(spec);
    expect(svg).toContain('class="axis-label x-axis-label"');
    expect(svg).toMatch(/class="axis-label x-axis-label"[^>]*>Successful requests per second</);
    expect(svg).toMatch(/class="axis-label y-axis-label"[^>]*>P95 latency \(ms\)</);
    const ticks = [...svg.matchAll(/class="tick-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    // x: 150 req/s with headroom in steps of 50; y: 60 ms with headroom in steps of 20.
    expect(ticks).toEqual(['0', '50', '100', '150', '200', '0', '20', '40', '60', '80']);
  });

  it('draws the threshold as a dashed guide at its value', () => {
    const svg = renderChart(spec);
    const guide = /<g class="guide"><path d="M78 ([\d.]+) H692"[^>]*stroke-dasharray/.exec(svg);
    expect(guide).not.toBeNull();
    // 50 of 80 ms up a 300-pixel plot whose bottom is at 344.
    expect(Number(guide?.[1])).toBeCloseTo(344 - (50 / 80) * 300, 1);
    expect(svg).toContain('P95 threshold 50 ms</text>');
  });

  it('escapes the names it is given, so a name cannot add markup', () => {
    const svg = renderChart({
      ...spec,
      title: 'a <b>title</b>',
      series: [{ name: '<script>alert(1)</script>" onload="x', points: [{ x: 1, y: 1, label: '&<>' }] }],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;x');
    expect(svg).toContain('&amp;&lt;&gt;');
  });

  it('says there is nothing to plot, and draws no line, when no series has a point', () => {
    const svg = renderChart({ ...spec, series: [{ name: 'empty', points: [] }], guides: [] });
    expect(svg).toContain('no measurements to plot');
    expect(pathData(svg, 'series-line')).toEqual([]);
  });
});

describe('escaping', () => {
  it('escapes every character that is markup in HTML and SVG', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('keeps a Markdown cell one cell: pipes, emphasis, links and line breaks escaped, HTML turned to entities', () => {
    expect(escapeMarkdown('a|b *c* _d_ [e](f) <img>\nnext')).toBe('a\\|b \\*c\\* \\_d\\_ \\[e\\](f) &lt;img> next');
  });
});
