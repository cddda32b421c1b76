/**
 * DOT from a graph payload's layout model, for the boxes a student has opened.
 *
 * Everything about the drawing (labels, colours, boxes, which start collapsed, edge texts,
 * escaping) is decided in Python (`tfedu/viz/dot.py`, `layout_model`); this module only
 * assembles DOT from those pieces, as `assemble_dot` there does (tested equal): a collapsed
 * box is one node `s<k>`, an open one the cluster `cluster_<k>`, op i is node `n<i>`, and
 * edges touching a collapsed box are merged into one per neighbour and kind.
 */

import { ILayout } from './schema';

/** Where each op is drawn (`n<i>`, or `s<k>` of the outermost collapsed box holding it),
 * and how many nodes are drawn. */
export function owners(layout: ILayout, collapsed: Set<number>): [string[], number] {
  const owner = layout.ops.map((_, i) => `n${i}`);
  const drawnAs: (string | null)[] = [];
  let drawn = layout.top.length;
  layout.boxes.forEach((box, k) => {
    const outer = box.parent >= 0 ? drawnAs[box.parent] : null;
    drawnAs[k] = outer ?? (collapsed.has(k) ? `s${k}` : null);
    if (drawnAs[k] === null) {
      drawn += box.nodes.length;
    } else if (outer === null) {
      drawn += 1;
    }
    for (const i of box.nodes) {
      owner[i] = drawnAs[k] ?? owner[i];
    }
  });
  return [owner, drawn];
}

function emitBoxes(layout: ILayout, collapsed: Set<number>, lines: string[]): void {
  const children: number[][] = layout.boxes.map(() => []);
  const top: number[] = [];
  layout.boxes.forEach((box, k) => (box.parent >= 0 ? children[box.parent] : top).push(k));
  const emit = (ks: number[], own: number[], indent: string): void => {
    for (const k of ks) {
      const box = layout.boxes[k];
      if (collapsed.has(k)) {
        lines.push(`${indent}s${k} [${box.node}];`);
        continue;
      }
      lines.push(`${indent}subgraph cluster_${k} {`, `${indent}  ${box.cluster}`);
      emit(children[k], box.nodes, indent + '  ');
      lines.push(`${indent}}`);
    }
    for (const i of own) {
      lines.push(`${indent}n${i} [${layout.ops[i].stmt}];`);
    }
  };
  emit(top, layout.top, '  ');
}

interface IMerged {
  line: number;
  tensors: string[];
  label: string | null;
}

function edgeLines(layout: ILayout, owner: string[], attr: string, lines: string[]): void {
  const merged = new Map<string, IMerged>();
  for (const [src, dst, tensor, label] of layout.edges) {
    const start = src < 0 ? `x${-1 - src}` : owner[src];
    const end = owner[dst];
    if ((src < 0 || start === `n${src}`) && end === `n${dst}`) {
      if (tensor === null) {
        lines.push(`  ${start} -> ${end} [style=dashed, arrowhead=odot];`);
      } else {
        lines.push(`  ${start} -> ${end}${label ? ` [${attr}=${label}]` : ''};`);
      }
      continue;
    }
    if (start === end) {
      continue; // inside one collapsed box
    }
    const key = `${start} ${end} ${tensor === null ? 'ctrl' : 'data'}`;
    let edge = merged.get(key);
    if (!edge) {
      edge = { line: lines.length, tensors: [], label };
      merged.set(key, edge);
      lines.push(`  ${start} -> ${end}`);
    }
    if (tensor !== null && !edge.tensors.includes(tensor)) {
      edge.tensors.push(tensor);
    }
  }
  for (const [key, edge] of merged) {
    if (key.endsWith(' ctrl')) {
      lines[edge.line] += ' [style=dashed, arrowhead=odot];';
    } else if (edge.label === null) {
      lines[edge.line] += ';'; // from an external input
    } else {
      const n = edge.tensors.length;
      lines[edge.line] += ` [${attr}=${n === 1 ? edge.label : `"${n} tensors"`}];`;
    }
  }
}

/** Graphviz DOT of a layout model with the boxes `collapsed` (default: the model's). */
export function assembleDot(layout: ILayout, collapsed: Set<number> = new Set(layout.collapsed)): string {
  const [owner, drawn] = owners(layout, collapsed);
  const labelled = drawn <= layout.labelled_max;
  const lines = [layout.header.replace(/\n$/, '')];
  if (!labelled) {
    lines.push(layout.large_attrs.replace(/\n$/, ''));
  }
  emitBoxes(layout, collapsed, lines);
  layout.externals.forEach((stmt, k) => lines.push(`  x${k} [${stmt}];`));
  edgeLines(layout, owner, labelled ? 'label' : 'tooltip', lines);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Op index of a drawn node id `n<i>` (-1 if not an op node). */
export function nodeIndex(id: string): number {
  return /^n\d+$/.test(id) ? parseInt(id.slice(1), 10) : -1;
}

/** Box index of a collapsed box node `s<k>` or cluster `cluster_<k>` (-1 if neither). */
export function boxIndex(id: string): number {
  const m = /^(?:s|cluster_)(\d+)$/.exec(id);
  return m ? parseInt(m[1], 10) : -1;
}
