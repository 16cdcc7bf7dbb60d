/**
 * The building blocks of a report in its two forms: a self-contained HTML page (inline style, inline SVG, a
 * Content-Security-Policy that lets it fetch nothing and run nothing) and a Markdown summary. Text goes in through
 * the escapes (escape.ts); markup comes only from here and chart.ts.
 */
import { escapeMarkdown, escapeXml } from './escape.ts';
import type { MeasurementSite } from './measurement-site.ts';

/** What every report says besides its figures: which run, when, and where it was measured. */
export interface ReportContext {
  workflow: string;
  executionName: string;
  /** When the report was made (ISO 8601). */
  generatedAt: string;
  site: MeasurementSite;
}

/** A report in its two forms. */
export interface RenderedReport {
  html: string;
  markdown: string;
}

/** One table: a header row and rows of cells; `numeric` columns are right-aligned. */
interface Table {
  headers: readonly string[];
  rows: readonly (readonly string[])[];
  numeric?: readonly boolean[] | undefined;
  /** Rows drawn emphasised (the recommendation), by index. */
  emphasised?: readonly number[] | undefined;
}

/** Blocks of a report, in order; each renders to HTML and to Markdown. */
export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string; tone?: 'note' | 'verdict' | 'warning' | undefined }
  | { kind: 'facts'; items: readonly (readonly [string, string])[] }
  | { kind: 'table'; table: Table }
  /** An SVG chart (chart.ts); Markdown has no picture, so it says where to find it. */
  | { kind: 'chart'; svg: string; title: string }
  | { kind: 'code'; language: string; text: string };

/** A report: a title and its blocks. */
export interface ReportDocument {
  title: string;
  blocks: readonly Block[];
}

const STYLE = `
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; background: #f5f6f8; color: #222; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 16px; }
h2 { font-size: 18px; margin: 32px 0 10px; border-bottom: 1px solid #e4e4e4; padding-bottom: 4px; }
p { line-height: 1.5; margin: 8px 0; }
p.verdict { font-size: 16px; background: #eef6ee; border-left: 4px solid #2ca02c; padding: 10px 14px; }
p.warning { background: #fdf0ee; border-left: 4px solid #b00020; padding: 10px 14px; }
p.note { background: #f3f5fa; border-left: 4px solid #1f77b4; padding: 8px 14px; color: #333; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: #666; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 12px 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 5px 8px; text-align: left; vertical-align: top; }
th { min-width: 3em; }
td.num { white-space: nowrap; }
th { background: #f3f4f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.emphasised td { background: #eef6ee; font-weight: 600; }
pre { background: #f6f8fa; border: 1px solid #e4e4e4; padding: 12px; overflow-x: auto; font-size: 12px; }
`;

function htmlTable(table: Table): string {
  const numeric = (i: number) => table.numeric?.[i] === true;
  const head = table.headers.map((h, i) => `<th${numeric(i) ? ' class="num"' : ''}>${escapeXml(h)}</th>`).join('');
  const rows = table.rows.map((row, r) => {
    const cells = row.map((cell, i) => `<td${numeric(i) ? ' class="num"' : ''}>${escapeXml(cell)}</td>`).join('');
    return `<tr${table.emphasised?.includes(r) ? ' class="emphasised"' : ''}>${cells}</tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function markdownTable(table: Table): string {
  const numeric = (i: number) => table.numeric?.[i] === true;
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(table.headers.map(escapeMarkdown)),
    line(table.headers.map((_, i) => (numeric(i) ? '---:' : '---'))),
    ...table.rows.map((row, r) => {
      const cells = row.map(escapeMarkdown);
      return line(table.emphasised?.includes(r) ? cells.map((c) => (c === '' ? c : `**${c}**`)) : cells);
    }),
  ].join('\n');
}

/** One block as HTML. */
function htmlBlock(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h2>${escapeXml(block.text)}</h2>`;
    case 'paragraph':
      return `<p${block.tone ? ` class="${block.tone}"` : ''}>${escapeXml(block.text)}</p>`;
    case 'facts':
      return `<dl class="facts">${block.items.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('')}</dl>`;
    case 'table':
      return htmlTable(block.table);
    case 'chart':
      return `<figure>${block.svg}</figure>`;
    case 'code':
      return `<pre><code class="language-${escapeXml(block.language)}">${escapeXml(block.text)}</code></pre>`;
  }
}

/** The report as one self-contained HTML page: no scripts, nothing fetched (its CSP forbids both). */
export function renderHtml(doc: ReportDocument): string {
  const body = doc.blocks.map(htmlBlock);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(doc.title)}</h1>`,
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The report as Markdown: the same text and tables; each chart is named, with a pointer to the HTML page. */
export function renderMarkdown(doc: ReportDocument): string {
  const parts = [`# ${escapeMarkdown(doc.title)}`];
  for (const block of doc.blocks) {
    switch (block.kind) {
      case 'heading':
        parts.push(`## ${escapeMarkdown(block.text)}`);
        break;
      case 'paragraph':
        parts.push(block.tone === 'verdict' ? `**${escapeMarkdown(block.text)}**` : escapeMarkdown(block.text));
        break;
      case 'facts':
        parts.push(block.items.map(([k, v]) => `- ${escapeMarkdown(k)}: ${escapeMarkdown(v)}`).join('\n'));
        break;
      case 'table':
        parts.push(markdownTable(block.table));
        break;
      case 'chart':
        parts.push(`_Chart: ${escapeMarkdown(block.title)} (in report.html)._`);
        break;
      case 'code': {
        // A fence longer than any run of backticks in the text, so the text cannot close it.
        const longest = Math.max(0, ...[...block.text.matchAll(/`+/g)].map((m) => m[0].length));
        const fence = '`'.repeat(Math.max(3, longest + 1));
        parts.push(`${fence}${block.language}\n${block.text}\n${fence}`);
        break;
      }
    }
  }
  return `${parts.join('\n\n')}\n`;
}
