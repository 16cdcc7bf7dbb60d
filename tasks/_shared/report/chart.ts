/**
 * Charts as inline SVG text: a plot of one or more series (lines joining their points in the order given, or points
 * alone), axes from zero with round ticks, labelled axes, dashed guide lines (a latency threshold) and a legend.
 * Pure and self-contained: the SVG draws without scripts, fonts or anything fetched, in a browser or an image viewer.
 */
import { escapeXml } from './escape.ts';

/** One point of a series; `label` is written beside the point (a step's users, a candidate's name). */
interface ChartPoint {
  x: number;
  y: number;
  label?: string | undefined;
}

/** A named series of points; a highlighted one (the recommendation) is drawn heavier. */
export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
  highlight?: boolean | undefined;
}

/** A dashed line across the plot at `value` on one axis, with its label: a threshold, a target. */
export interface ChartGuide {
  axis: 'x' | 'y';
  value: number;
  label: string;
}

/** What a chart shows. */
interface ChartSpec {
  /** Prefix of the chart's element ids: letters, digits and hyphens. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** `line` joins each series' points in the order given; `points` draws them alone. */
  style: 'line' | 'points';
  guides?: readonly ChartGuide[] | undefined;
}

/** Ten colours that stay apart from each other for most readers (Tableau 10). */
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
] as const;
/** Past ten series the colours repeat with another dash pattern. */
const DASHES = ['', '6 3', '2 3', '8 3 2 3'] as const;

const WIDTH = 720;
const PLOT_HEIGHT = 300;
const MARGIN = { left: 78, right: 28, top: 44, bottom: 58 } as const;
const LEGEND_LINE = 20;
const TICK_TARGET = 6;

/** A round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span` into about `target` parts. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/**
 * Axis ticks from zero to the first round value at or above `max`, about `target` of them, each a multiple of a
 * round step. A max of zero or less (no data) gives the ticks of 0 to 1.
 */
export function niceTicks(max: number, target = TICK_TARGET): number[] {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const step = niceStep(top, target);
  const count = Math.ceil(top / step - 1e-9);
  // Multiplying (not adding) keeps 0.1 + 0.2 errors out of the labels.
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The decimals a tick label needs to tell ticks `step` apart. */
function decimalsOf(step: number): number {
  if (step >= 1 && Number.isInteger(step)) return 0;
  const text = step.toPrecision(6).replace(/0+$/, '');
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : Math.min(6, text.length - dot - 1);
}

/** A tick label: grouped thousands, as many decimals as the step needs. */
export function formatTick(value: number, step: number): string {
  const decimals = decimalsOf(step);
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A coordinate, short: SVG needs no more than a hundredth of a pixel. */
const px = (value: number) => Number(value.toFixed(2)).toString();

/** The SVG of a chart (an `<svg>` element, XML-escaped throughout). */
export function renderChart(spec: ChartSpec): string {
  const id = spec.id.replace(/[^A-Za-z0-9-]/g, '-');
  const guides = spec.guides ?? [];
  const points = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xMax = Math.max(0, ...points.map((p) => p.x), ...guides.filter((g) => g.axis === 'x').map((g) => g.value));
  const yMax = Math.max(0, ...points.map((p) => p.y), ...guides.filter((g) => g.axis === 'y').map((g) => g.value));
  // A little headroom above the highest value, so its marker and label are not cut by the frame.
  const xTicks = niceTicks(xMax * 1.04);
  const yTicks = niceTicks(yMax * 1.08);
  const xTop = xTicks.at(-1) as number;
  const yTop = yTicks.at(-1) as number;
  const xStep = xTicks[1] as number;
  const yStep = yTicks[1] as number;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const left = MARGIN.left;
  const top = MARGIN.top;
  const bottom = top + PLOT_HEIGHT;
  const right = left + plotWidth;
  const xAt = (x: number) => left + (x / xTop) * plotWidth;
  const yAt = (y: number) => bottom - (y / yTop) * PLOT_HEIGHT;
  const height = bottom + MARGIN.bottom + LEGEND_LINE * spec.series.length + 8;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="${id}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="${id}-title" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    `<title id="${id}-title">${escapeXml(spec.title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text class="chart-title" x="${left}" y="24" font-size="15" font-weight="600" fill="#222">${escapeXml(spec.title)}</text>`,
  );

  // Grid and ticks.
  out.push('<g class="grid" stroke="#e4e4e4" stroke-width="1">');
  for (const t of yTicks) out.push(`<line x1="${left}" x2="${right}" y1="${px(yAt(t))}" y2="${px(yAt(t))}"/>`);
  for (const t of xTicks) out.push(`<line x1="${px(xAt(t))}" x2="${px(xAt(t))}" y1="${top}" y2="${bottom}"/>`);
  out.push('</g>');
  out.push('<g class="x-axis" fill="#444">');
  for (const t of xTicks) {
    out.push(
      `<text class="tick-label" x="${px(xAt(t))}" y="${bottom + 18}" text-anchor="middle">${formatTick(t, xStep)}</text>`,
    );
  }
  out.push(
    `<text class="axis-label x-axis-label" x="${px(left + plotWidth / 2)}" y="${bottom + 42}" text-anchor="middle" font-size="13" fill="#222">${escapeXml(spec.xLabel)}</text>`,
    '</g>',
  );
  out.push('<g class="y-axis" fill="#444">');
  for (const t of yTicks) {
    out.push(
      `<text class="tick-label" x="${left - 8}" y="${px(yAt(t) + 4)}" text-anchor="end">${formatTick(t, yStep)}</text>`,
    );
  }
  const yLabelX = 18;
  const yLabelY = top + PLOT_HEIGHT / 2;
  out.push(
    `<text class="axis-label y-axis-label" x="${yLabelX}" y="${px(yLabelY)}" transform="rotate(-90 ${yLabelX} ${px(yLabelY)})" text-anchor="middle" font-size="13" fill="#222">${escapeXml(spec.yLabel)}</text>`,
    '</g>',
  );
  out.push(`<path class="frame" d="M${left} ${top} V${bottom} H${right}" fill="none" stroke="#555" stroke-width="1"/>`);

  // Guides under the data, so a line that crosses a threshold stays visible.
  for (const guide of guides) {
    const label = escapeXml(guide.label);
    if (guide.axis === 'y') {
      const y = px(yAt(guide.value));
      out.push(
        `<g class="guide"><path d="M${left} ${y} H${right}" stroke="#b00020" stroke-width="1.5" stroke-dasharray="7 4" fill="none"/>`,
        `<text x="${right - 4}" y="${px(yAt(guide.value) - 6)}" text-anchor="end" fill="#b00020">${label}</text></g>`,
      );
    } else {
      const x = px(xAt(guide.value));
      out.push(
        `<g class="guide"><path d="M${x} ${top} V${bottom}" stroke="#b00020" stroke-width="1.5" stroke-dasharray="7 4" fill="none"/>`,
        `<text x="${px(xAt(guide.value) + 4)}" y="${top + 12}" fill="#b00020">${label}</text></g>`,
      );
    }
  }

  if (points.length === 0) {
    out.push(
      `<text class="no-data" x="${px(left + plotWidth / 2)}" y="${px(top + PLOT_HEIGHT / 2)}" text-anchor="middle" fill="#777" font-size="14">no measurements to plot</text>`,
    );
  }

  spec.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length] as string;
    const dash = DASHES[Math.floor(index / PALETTE.length) % DASHES.length] as string;
    const seriesPoints = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const width = series.highlight ? 3.5 : 2;
    out.push(`<g class="series" data-series="${escapeXml(series.name)}">`);
    if (spec.style === 'line' && seriesPoints.length > 0) {
      const d = seriesPoints.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(xAt(p.x))} ${px(yAt(p.y))}`).join(' ');
      out.push(
        `<path class="series-line" d="${d}" fill="none" stroke="${color}" stroke-width="${width}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      );
    }
    for (const p of seriesPoints) {
      const cx = px(xAt(p.x));
      const cy = px(yAt(p.y));
      const tip = `${series.name}${p.label !== undefined ? ` (${p.label})` : ''}: ${formatTick(p.x, xStep / 10)}, ${formatTick(p.y, yStep / 10)}`;
      out.push(
        `<circle class="series-point" cx="${cx}" cy="${cy}" r="${series.highlight ? 6 : 4}" fill="${color}" stroke="#fff" stroke-width="1.5"><title>${escapeXml(tip)}</title></circle>`,
      );
      if (p.label !== undefined) {
        // Right of the point, or left of it in the right part of the plot, so the label stays inside the chart.
        const leftOfPoint = xAt(p.x) > left + plotWidth * 0.55;
        out.push(
          `<text class="point-label" x="${px(xAt(p.x) + (leftOfPoint ? -7 : 7))}" y="${px(yAt(p.y) - 7)}"${leftOfPoint ? ' text-anchor="end"' : ''} fill="#333" font-size="11">${escapeXml(p.label)}</text>`,
        );
      }
    }
    out.push('</g>');
  });

  // Legend, one series a line under the plot.
  out.push('<g class="legend" fill="#222">');
  spec.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length] as string;
    const dash = DASHES[Math.floor(index / PALETTE.length) % DASHES.length] as string;
    const y = bottom + MARGIN.bottom + LEGEND_LINE * index;
    out.push(
      `<path d="M${left} ${y} H${left + 24}" stroke="${color}" stroke-width="${series.highlight ? 3.5 : 2}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<circle cx="${left + 12}" cy="${y}" r="3.5" fill="${color}"/>`,
      `<text x="${left + 32}" y="${y + 4}"${series.highlight ? ' font-weight="600"' : ''}>${escapeXml(series.name)}</text>`,
    );
  });
  out.push('</g>', '</svg>');
  return out.join('\n');
}
