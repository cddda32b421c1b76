/**
 * Turn Graphviz's SVG text into a DOM element that is safe to insert.
 *
 * The DOT source already escapes every user string, so Graphviz emits them as XML text.
 * This is the second line of defence: the SVG is parsed as XML (never as HTML), and
 * scripts, foreign content, event handler attributes and external links are dropped.
 */

const DROP_ELEMENTS = new Set(['script', 'foreignobject', 'iframe', 'object', 'embed', 'use']);

export function sanitizeSvg(svgText: string, doc: Document = document): SVGSVGElement {
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = parsed.documentElement;
  if (parsed.getElementsByTagName('parsererror').length > 0 || root.localName !== 'svg') {
    throw new Error('Graphviz returned SVG that could not be parsed');
  }
  const walk = (el: Element): void => {
    for (const child of Array.from(el.children)) {
      if (DROP_ELEMENTS.has(child.localName.toLowerCase())) {
        child.remove();
        continue;
      }
      walk(child);
    }
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      if (
        name.startsWith('on') ||
        ((name === 'href' || name === 'xlink:href') && !value.startsWith('#')) ||
        name === 'id' // Graphviz ids (node1, edge1) would repeat across outputs on one page
      ) {
        el.removeAttribute(attr.name);
      }
    }
  };
  walk(root);
  return doc.importNode(root, true) as unknown as SVGSVGElement;
}
