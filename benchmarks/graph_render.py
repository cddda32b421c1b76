"""How long the JupyterLab graph view takes to draw a 2,000-op graph, in the real JupyterLab.

    python benchmarks/graph_render.py                 # 3 runs per measure
    python benchmarks/graph_render.py --runs 5 --skip-options

Starts `jupyter lab` and headless Chromium (Debian's `chromium`, as the browser tests do),
builds two 2,000-op graphs in a notebook (a flat ladder of adds, and 40 name scopes of 50
ops), then displays each one in its own cell and clicks through the scoped one. Columns:

- to svg: from the cell's execution request (or the click) to the graph's SVG in the DOM
  and painted, measured in the page (kernel, message, payload check, DOT, layout, DOM);
- wasm layout: Graphviz's layout alone (the `tfedu-graph-layout` measure the view writes;
  the view's other measures are printed below the table);
- kernel: the display data the kernel computes (payload and static fallback: an SVG from
  native Graphviz, or a text summary on graphs too big to lay out quickly).

A second table times the wasm Graphviz layout alone in Chromium for variants of the DOT
(edge labels as before, Graphviz options), best of the rounds, to show what each choice
costs. The target is 2 s from cell to SVG; the first drawing in a page also loads the
Graphviz WebAssembly (the warm-up row).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM_ARGS,
    WAIT_FOR_KERNEL_JS,
    _chromium,
    run_lab_server,
    screenshot,
)
from tests.browser.test_graph_view import LARGE_GRAPHS_CELL  # noqa: E402

TARGET_S = 2.0

GRAPHS = {
    "2,000 ops, flat ladder (no scopes)": "ladder",
    "2,000 ops, 40 scopes x 50 ops": "scoped",
}

WARMUP_CELL = '''\
g = tf.Graph()
with g.as_default():
    tf.add(tf.constant(1.0, name="a"), 2.0, name="warm")
show_graph(g, title="warm-up")
'''

# Page-side helpers: `whenDrawn` resolves once the view's SVG holds at least `minNodes`
# nodes matching `selector` and a frame has been painted after it (rAF, then a task), with
# the layout time the view measured for that drawing. Times are page milliseconds.
HELPERS_JS = """
() => {
  const PHASES = ['dot', 'layout', 'svg', 'insert', 'draw'];
  window.__tfeduBench = {
    counts() {
      return Object.fromEntries(PHASES.map(p => [p, performance.getEntriesByName('tfedu-graph-' + p).length]));
    },
    view(cell) {
      return cell.querySelector('.jp-OutputArea .tfedu-graph');
    },
    whenDrawn(getView, selector, minNodes, t0, layoutsBefore) {
      return new Promise(resolve => {
        const tick = () => {
          const view = getView();
          const svg = view && view.querySelector('.tfedu-graph-canvas svg');
          const nodes = svg ? svg.querySelectorAll(selector).length : 0;
          if (nodes >= minNodes) {
            const dom = performance.now() - t0;
            requestAnimationFrame(() => setTimeout(() => {
              const last = name => {
                const all = performance.getEntriesByName('tfedu-graph-' + name);
                return all.length > layoutsBefore[name] ? all[all.length - 1].duration : null;
              };
              resolve({
                dom, painted: performance.now() - t0,
                nodes: svg.querySelectorAll('g.node').length,
                layout: last('layout'),
                phases: Object.fromEntries(PHASES.map(p => [p, last(p)]))
              });
            }, 0));
            return;
          }
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
    }
  };
}
"""

# Runs cell `index` (its old output cleared first) and times it until its graph is drawn.
RUN_CELL_JS = """
async ([index, minNodes]) => {
  const app = window.jupyterapp, nb = app.shell.currentWidget.content, B = window.__tfeduBench;
  const cell = nb.widgets[index];
  nb.activeCellIndex = index;
  nb.deselectAll();
  await app.commands.execute('notebook:clear-cell-output');
  await new Promise(r => requestAnimationFrame(r));
  const layouts = B.counts();
  const t0 = performance.now();
  const drawn = B.whenDrawn(() => B.view(cell.node), 'g.node', minNodes, t0, layouts);
  void app.commands.execute('notebook:run-cell');
  return await Promise.race([drawn, new Promise(r => setTimeout(() => r(null), 120000))]);
}
"""

# Clicks `target` (a selector) in the graph view of cell `index`, as a user's pointer would,
# and times it until `selector` matches at least `minNodes` elements.
CLICK_JS = """
async ([index, target, selector, minNodes]) => {
  const nb = window.jupyterapp.shell.currentWidget.content, B = window.__tfeduBench;
  const view = B.view(nb.widgets[index].node);
  const el = view.querySelector(target);
  const box = el.getBoundingClientRect();
  const at = { bubbles: true, button: 0, pointerId: 1, isPrimary: true,
               clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
  const layouts = B.counts();
  const t0 = performance.now();
  const drawn = B.whenDrawn(() => view, selector, minNodes, t0, layouts);
  if (el.tagName === 'BUTTON') {
    el.click();
  } else {
    el.dispatchEvent(new PointerEvent('pointerdown', at));
    el.dispatchEvent(new PointerEvent('pointerup', at));
  }
  return await Promise.race([drawn, new Promise(r => setTimeout(() => r(null), 120000))]);
}
"""


def python_fallback(graph) -> tuple[float, str]:
    """Seconds for the kernel's display data of `graph` (payload, static fallback) and the
    fallback it gave."""
    from tfedu.viz import show_graph

    t0 = time.perf_counter()
    bundle = show_graph(graph)._repr_mimebundle_()
    seconds = time.perf_counter() - t0
    kind = "image/svg+xml" if "image/svg+xml" in bundle else "text summary"
    return seconds, kind


class Row:
    """Timings of one measured action over the runs."""

    def __init__(self, label: str, target: bool = True):
        self.label, self.target = label, target
        self.painted: list = []
        self.layout: list = []
        self.nodes = 0
        self.phases: dict[str, list] = {}
        self.fallback: tuple[float, str] | None = None

    def add(self, r: dict | None) -> None:
        self.painted.append(None if r is None else r["painted"])
        if r is not None:
            self.layout.append(r["layout"])
            self.nodes = r["nodes"]
            for name, ms in r["phases"].items():
                self.phases.setdefault(name, []).append(ms)


def browser_times(runs: int) -> list[Row]:
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    if chromium is None:
        raise SystemExit("chromium is not installed (make browser-deps installs it)")
    cells = [LARGE_GRAPHS_CELL, WARMUP_CELL] + [f"show_graph({v}, title={v!r})" for v in GRAPHS.values()]
    scoped_cell = 2 + list(GRAPHS.values()).index("scoped")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="tfedu-bench-") as tmp, \
            run_lab_server(Path(tmp)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.add_init_script(f"({HELPERS_JS})()")
            nb = server.write_notebook("graph_render.ipynb", cells)
            page.goto(server.url(f"lab/tree/{nb}?reset"))
            page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
            if page.evaluate(WAIT_FOR_KERNEL_JS) != "idle":
                raise SystemExit("the notebook's kernel never became idle")
            # Cell 0 builds the graphs (not timed); cell 1 loads the Graphviz WebAssembly.
            page.evaluate("""async () => {
              const app = window.jupyterapp, nb = app.shell.currentWidget.content;
              nb.activeCellIndex = 0;
              await app.commands.execute('notebook:run-cell');
            }""")
            warm = Row("warm-up: 3 ops, first drawing loads Graphviz", target=False)
            warm.add(page.evaluate(RUN_CELL_JS, [1, 1]))
            rows.append(warm)
            for i, (label, var) in enumerate(GRAPHS.items(), start=2):
                row = Row(label)
                for _ in range(runs):
                    row.add(page.evaluate(RUN_CELL_JS, [i, 2]))
                rows.append(row)
                view = page.locator(".jp-OutputArea .tfedu-graph").filter(
                    has=page.locator(".tfedu-graph-title", has_text=var)).last
                screenshot(view, f"bench_graph_{var}")
            one = Row("  click a collapsed scope (expands it)")
            every = Row("  Expand all (2,001 nodes in 40 clusters)")
            for _ in range(runs):
                one.add(page.evaluate(CLICK_JS, [scoped_cell, '[data-tfedu-scope="3"]',
                                                 ".tfedu-graph-node", 51]))
                page.evaluate(CLICK_JS, [scoped_cell, '[data-tfedu-cluster="3"] > text',
                                         ".tfedu-graph-scope", 40])
                every.add(page.evaluate(CLICK_JS, [scoped_cell, ".tfedu-graph-scopes",
                                                   ".tfedu-graph-node", 2001]))
                page.evaluate(CLICK_JS, [scoped_cell, ".tfedu-graph-scopes", ".tfedu-graph-scope", 40])
            rows += [one, every]
        finally:
            browser.close()
    return rows


# Variants of a DOT source: the policy's own output, with the edge labels it replaces, and
# with Graphviz options that could make big layouts cheaper.
OPTION_VARIANTS: dict[str, tuple[str, str]] = {
    "tfedu policy": ("", ""),
    "edge labels (before)": ("labels", ""),
    "policy without nslimit": ("no-nslimit", ""),
    "+ splines=polyline": ("", "splines=polyline"),
    "+ splines=line": ("", "splines=line"),
    "+ newrank=true": ("", "newrank=true"),
    "+ mclimit=0.2": ("", "mclimit=0.2"),
    "+ searchsize=10": ("", "searchsize=10"),
    "+ remincross=false": ("", "remincross=false"),
}

GRAPHVIZ_JS = ROOT / "lab_extension" / "node_modules" / "@hpcc-js" / "wasm-graphviz" / "dist" / "index.js"

LAYOUT_JS = """
async ([dots, rounds]) => {
  const { Graphviz } = await import('http://bench.invalid/graphviz.js');
  const gv = await Graphviz.load();
  gv.dot('digraph { a -> b }');
  const best = dots.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    dots.forEach((dot, i) => {
      const t0 = performance.now();
      gv.dot(dot);
      best[i] = Math.min(best[i], performance.now() - t0);
    });
  }
  return best;
}
"""


def _variant(dot: str, change: str, extra: str) -> str:
    import re

    if change == "labels":
        dot = dot.replace(" [tooltip=", " [label=")
    if change in ("labels", "no-nslimit"):
        dot = re.sub(r"^  graph \[nslimit=[^\]]*\];\n", "", dot, flags=re.M)
    if extra:
        dot = dot.replace("labeljust=l];", f"labeljust=l, {extra}];", 1)
    return dot


def layout_options(rounds: int) -> list[tuple[str, dict[str, float]]]:
    """Best layout milliseconds of each DOT variant, wasm Graphviz in a blank Chromium page."""
    from playwright.sync_api import sync_playwright

    from tfedu.viz import graph_payload
    from tfedu.viz.dot import graph_to_dot

    if not GRAPHVIZ_JS.exists():
        raise SystemExit(f"{GRAPHVIZ_JS} is missing: cd lab_extension && npm install")
    scope: dict = {}
    exec(LARGE_GRAPHS_CELL, scope)
    graphs = {
        "ladder (2,000 nodes)": graph_to_dot(graph_payload(scope["ladder"])),
        "scoped, all expanded (2,001)": graph_to_dot(graph_payload(scope["scoped"]), collapsed=[]),
        "scoped, collapsed (41)": graph_to_dot(graph_payload(scope["scoped"])),
    }
    dots = [_variant(dot, *v) for dot in graphs.values() for v in OPTION_VARIANTS.values()]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            source = GRAPHVIZ_JS.read_text()
            page.route("http://bench.invalid/**", lambda route: route.fulfill(
                body=source if route.request.url.endswith(".js") else "<!doctype html><title>b</title>",
                content_type="text/javascript" if route.request.url.endswith(".js") else "text/html",
            ))
            page.goto("http://bench.invalid/index.html")
            best = page.evaluate(LAYOUT_JS, [dots, rounds])
        finally:
            browser.close()
    out, k = [], 0
    for name in graphs:
        out.append((name, dict(zip(OPTION_VARIANTS, best[k:k + len(OPTION_VARIANTS)]))))
        k += len(OPTION_VARIANTS)
    return out


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measure")
    parser.add_argument("--skip-options", action="store_true",
                        help="skip the table of layout options")
    args = parser.parse_args()
    os.environ.setdefault("TFEDU_CACHE_DIR", str(ROOT / ".cache"))

    scope: dict = {}
    exec(LARGE_GRAPHS_CELL, scope)
    fallback = {label: python_fallback(scope[var]) for label, var in GRAPHS.items()}
    rows = browser_times(args.runs)
    for row in rows:
        row.fallback = fallback.get(row.label)

    table = [("action", "nodes drawn", "to svg", "wasm layout", "kernel (python fallback)",
              f"target {TARGET_S:g} s")]
    for row in rows:
        painted, layout = _median(row.painted), _median(row.layout)
        met = ("MISSED" if painted is None or painted / 1000 > TARGET_S else "met") if row.target else ""
        table.append((
            row.label, str(row.nodes),
            "n/a" if painted is None else f"{painted / 1000:.2f} s",
            "n/a" if layout is None else f"{layout:.0f} ms",
            "" if row.fallback is None else f"{row.fallback[0]:.2f} s ({row.fallback[1]})",
            met,
        ))
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    for j, r in enumerate(table):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print("\nIn the view (median ms): DOT source, Graphviz layout, SVG sanitize + rewrite, "
          "DOM insertion, whole drawing")
    for row in rows:
        cells = [f"{name} {_median(row.phases.get(name, [])) or 0:.0f}"
                 for name in ("dot", "layout", "svg", "insert", "draw")]
        print(f"  {row.label.strip():44s} " + "  ".join(cells))
    if not args.skip_options:
        options = layout_options(args.runs)
        print("\nwasm Graphviz layout alone in Chromium, best of "
              f"{args.runs} (ms; the policy's DOT, then variants of it)")
        names = [n for n, _ in options]
        width = max(len(v) for v in OPTION_VARIANTS)
        print(" " * (width + 2) + "  ".join(f"{n:>28s}" for n in names))
        for variant in OPTION_VARIANTS:
            print(f"{variant:{width}s}  " + "  ".join(f"{dict(options)[n][variant]:28.0f}" for n in names))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n'to svg': from the cell's execution (or the click) to the SVG in the DOM and "
          f"painted; median of {args.runs} runs.\n{os.cpu_count()} CPUs, load average {load:.1f}")


if __name__ == "__main__":
    main()
