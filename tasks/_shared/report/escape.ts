/**
 * Escaping for the reports: every name a user chose (endpoint, variant, candidate, model) reaches the HTML page
 * and the Markdown summary only through these, so a name can neither break the markup nor inject any.
 */

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML and SVG, in element content and in quoted attribute values alike. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] as string);
}

/**
 * Text made safe for a Markdown table cell or line: the Markdown punctuation that works inside a line (emphasis, code, links, table pipes) is backslash-escaped, `<` and `&` become
 * entities (so no HTML tag passes through a renderer that allows it; `>` alone opens none), and line breaks become spaces (a cell is one line).
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}
