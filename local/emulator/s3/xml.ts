/** Minimal XML helpers for S3's REST-XML protocol. */

/** Escapes text for XML content. */
export function escapeXml(value: string): string {
  return value.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

/** A child element, or a list of them. */
type XmlNode = string | number | boolean | undefined | XmlElement | XmlNode[];
/** An element's children by tag name, in insertion order. */
interface XmlElement {
  [tag: string]: XmlNode;
}

function render(tag: string, node: XmlNode): string {
  if (node === undefined) return '';
  if (Array.isArray(node)) return node.map((item) => render(tag, item)).join('');
  if (typeof node === 'object') {
    return `<${tag}>${Object.entries(node)
      .map(([k, v]) => render(k, v))
      .join('')}</${tag}>`;
  }
  return `<${tag}>${escapeXml(String(node))}</${tag}>`;
}

/** Renders a document with S3's namespace on the root element. */
export function xmlDocument(root: string, body: XmlElement, namespace = true): string {
  const inner = Object.entries(body)
    .map(([k, v]) => render(k, v))
    .join('');
  const ns = namespace ? ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${inner}</${root}>`;
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#x?[0-9a-fA-F]+);/g, (_m, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[entity] !== undefined) return named[entity];
    const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10);
    return String.fromCodePoint(code);
  });
}

/** The text of every `<tag>` element directly inside `xml` (no nesting of the same tag). */
export function xmlElements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  for (const match of xml.matchAll(re)) out.push(match[1] ?? '');
  return out;
}

/** The unescaped text of the first `<tag>` element, if any. */
export function xmlText(xml: string, tag: string): string | undefined {
  const first = xmlElements(xml, tag)[0];
  return first === undefined ? undefined : unescapeXml(first);
}

/** A timestamp as S3's XML documents write it (ISO 8601 with milliseconds). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
