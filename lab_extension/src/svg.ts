/**
 * Turn Graphviz's SVG text into markup that is safe to insert with one `innerHTML`.
 *
 * The DOT source already escapes every user string, so Graphviz emits them as XML text.
 * This is the second line of defence, done on the text so that a 2,000-node drawing costs
 * one parse in the browser: every tag must be a well-formed element from a short list of
 * drawing elements (anything else, such as a script, foreign content or a stray `<`, refuses
 * the whole drawing), event handler and style attributes, ids, external links and
 * `url(...)` references outside the drawing are dropped, and comments, the XML declaration and the doctype are removed.
 */

const ALLOWED_ELEMENTS = new Set([
  'svg',
  'g',
  'title',
  'path',
  'polygon',
  'polyline',
  'ellipse',
  'circle',
  'rect',
  'line',
  'text',
  'tspan',
  'a',
  'defs',
  'lineargradient',
  'radialgradient',
  'stop'
]);

// A whole tag with double-quoted attributes, a comment, a declaration, or any other `<`.
const MARKUP =
  /<(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<![A-Za-z][^<>]*>|<\?[^<>]*\?>|</g;
const ATTRIBUTE = /([A-Za-z_][\w:.-]*)="([^"]*)"/g;
// Attributes that may be dropped; a tag without any is kept as it is (the common case).
const DROPPABLE = /\s(?:on[\w:.-]*|style|id|href|xlink:href)=|url\(/i;

/** Thrown when Graphviz output holds markup this view will not insert. */
export class UnsafeSvgError extends Error {}

function keepAttribute(name: string, value: string): boolean {
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'id') {
    // Graphviz ids (node1, edge1) would repeat across outputs on one page.
    return false;
  }
  if (n === 'href' || n === 'xlink:href') {
    return value.trim().startsWith('#');
  }
  // Paint servers and filters may only point inside the drawing (`url(#id)`).
  return !/url\(\s*(?!['"]?#)/i.test(value);
}

/** Safe SVG markup (starting at `<svg`) for Graphviz's SVG output `svgText`. */
export function sanitizeSvgText(svgText: string): string {
  let depth = 0;
  let sawSvg = false;
  const out = svgText.replace(MARKUP, (whole, close: string, tag: string, attrs: string, self: string) => {
    if (tag === undefined) {
      if (whole.startsWith('<!--') || whole.startsWith('<?') || /^<!doctype/i.test(whole)) {
        return '';
      }
      throw new UnsafeSvgError(`unexpected markup in Graphviz output: ${whole.slice(0, 40)}`);
    }
    const name = tag.toLowerCase();
    if (!ALLOWED_ELEMENTS.has(name)) {
      throw new UnsafeSvgError(`unexpected element <${tag}> in Graphviz output`);
    }
    if (name === 'svg') {
      if (close ? depth !== 1 : sawSvg) {
        throw new UnsafeSvgError('Graphviz output holds more than one <svg>');
      }
      sawSvg = true;
    } else if (depth === 0) {
      throw new UnsafeSvgError(`<${tag}> outside the <svg> element`);
    }
    if (close) {
      depth--;
      return `</${tag}>`;
    }
    if (!self) {
      depth++;
    }
    if (!DROPPABLE.test(attrs)) {
      return whole;
    }
    let kept = '';
    for (const m of attrs.matchAll(ATTRIBUTE)) {
      if (keepAttribute(m[1], m[2])) {
        kept += ` ${m[1]}="${m[2]}"`;
      }
    }
    return `<${tag}${kept}${self ? '/' : ''}>`;
  });
  if (!sawSvg || depth !== 0) {
    throw new UnsafeSvgError('Graphviz output is not one complete <svg> element');
  }
  // Line breaks between tags would each become a text node: thousands on a big graph.
  return out
    .slice(out.indexOf('<svg'))
    .trim()
    .replace(/>\s+</g, '><');
}

/** Text for an XML text node or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, c => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/**
 * Rewrite the group of each node, edge and cluster in sanitized Graphviz SVG: `rewrite`
 * gets the kind, the DOT name Graphviz put in the group's `<title>` (`n3`, `cluster_2`,
 * `n0->n3`) and the DOT `tooltip`, still XML-escaped, or null; it returns the markup that
 * replaces the group's opening tag and title. The link Graphviz wraps around a drawing
 * with a tooltip is removed (two elements less per edge): `rewrite` puts the tooltip in a
 * `<title>` if it wants one.
 */
export function rewriteGroups(
  svg: string,
  rewrite: (kind: 'node' | 'edge' | 'cluster', name: string, tooltip: string | null) => string
): string {
  return svg.replace(
    /<g class="(node|edge|cluster)"><title>([^<]*)<\/title>(?:<g><a xlink:title="([^"]*)">((?:(?!<\/?a[ >])[\s\S])*)<\/a><\/g>)?/g,
    (_whole, kind: 'node' | 'edge' | 'cluster', title: string, tooltip: string | undefined, inner: string | undefined) =>
      rewrite(kind, title.replace(/&#45;/g, '-').replace(/&gt;/g, '>'), tooltip ?? null) + (inner ?? '')
  );
}
