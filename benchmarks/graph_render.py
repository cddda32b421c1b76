"""How long the JupyterLab graph view takes to draw a 2,000-op graph, in the real JupyterLab.

    python benchmarks/graph_render.py            # 3 runs per graph
    python benchmarks/graph_render.py --runs 5

Starts `jupyter lab` and headless Chromium (Debian's `chromium`, as the browser tests do),
builds two 2,000-op graphs in a notebook (a flat ladder of adds, and 40 name scopes of 50
ops), then displays each one in its own cell. Columns:

- cell -> svg: from the cell's execution request to the graph's SVG in the DOM and painted,
  measured in the page (kernel work, message, payload check, layout, DOM insertion);
- layout: the wasm Graphviz layout alone (the `tfedu-graph-layout` measure the view writes);
- python fallback: the kernel's `image/svg+xml` fallback (native Graphviz), or what it
  gives instead on graphs too big to lay out quickly.

The target is 2 s from cell to SVG. Numbers are the median of the runs (a warm page: the
first graph drawn in a page also loads the Graphviz WebAssembly, timed separately).
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

# Runs cell `index` and resolves once a graph view's SVG with `minNodes` drawn nodes is in
# that cell's output and a frame has been painted after it. Times are page milliseconds.
RUN_AND_TIME_JS = """
async ([index, minNodes]) => {
  const app = window.jupyterapp;
  const nb = app.shell.currentWidget.content;
  const cell = nb.widgets[index];
  nb.activeCellIndex = index;
  nb.deselectAll();
  // Clear the previous output first, so the poll cannot see the last run's drawing.
  await app.commands.execute('notebook:clear-cell-output');
  await new Promise(r => requestAnimationFrame(r));
  const before = performance.getEntriesByName('tfedu-graph-layout').length;
  const t0 = performance.now();
  const drawn = new Promise(resolve => {
    const tick = () => {
      const svg = cell.node.querySelector('.jp-OutputArea .tfedu-graph svg');
      const nodes = svg ? svg.querySelectorAll('g.node').length : 0;
      if (svg && nodes >= minNodes) {
        const dom = performance.now() - t0;
        requestAnimationFrame(() => setTimeout(() => {
          const layouts = performance.getEntriesByName('tfedu-graph-layout').slice(before);
          resolve({
            dom, painted: performance.now() - t0, nodes,
            layout: layouts.length ? layouts[layouts.length - 1].duration : null
          });
        }, 0));
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  void app.commands.execute('notebook:run-cell');
  return await Promise.race([drawn, new Promise(r => setTimeout(() => r(null), 120000))]);
}
"""


def python_fallback(graph) -> tuple[float, str]:
    """Seconds for the kernel's static fallback of `graph` and which MIME type it gave."""
    from tfedu.viz import show_graph

    view = show_graph(graph)
    t0 = time.perf_counter()
    bundle = view._repr_mimebundle_()
    seconds = time.perf_counter() - t0
    kind = "image/svg+xml" if "image/svg+xml" in bundle else "text/plain only"
    return seconds, kind


def browser_times(runs: int) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    chromium = _chromium()
    if chromium is None:
        raise SystemExit("chromium is not installed (make browser-deps installs it)")
    cells = [LARGE_GRAPHS_CELL, WARMUP_CELL] + [f"show_graph({v}, title={v!r})" for v in GRAPHS.values()]
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tfedu-bench-") as tmp, \
            run_lab_server(Path(tmp)) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
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
            warm = page.evaluate(RUN_AND_TIME_JS, [1, 1])
            results["warm-up (3 ops, loads Graphviz)"] = {"painted": [warm["painted"]],
                                                         "layout": [warm["layout"]],
                                                         "nodes": warm["nodes"]}
            for i, (label, var) in enumerate(GRAPHS.items(), start=2):
                row: dict = {"painted": [], "layout": [], "nodes": 0}
                for _ in range(runs):
                    r = page.evaluate(RUN_AND_TIME_JS, [i, 2])
                    if r is None:
                        row["painted"].append(None)
                        continue
                    row["painted"].append(r["painted"])
                    row["layout"].append(r["layout"])
                    row["nodes"] = r["nodes"]
                results[label] = row
                view = page.locator(".jp-OutputArea .tfedu-graph").filter(
                    has=page.locator(".tfedu-graph-title", has_text=var)).last
                screenshot(view, f"bench_graph_{var}")
        finally:
            browser.close()
    return results


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _s(ms: float | None) -> str:
    return "n/a" if ms is None else f"{ms / 1000:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed displays per graph")
    args = parser.parse_args()
    os.environ.setdefault("TFEDU_CACHE_DIR", str(ROOT / ".cache"))

    scope: dict = {}
    exec(LARGE_GRAPHS_CELL, scope)
    fallback = {label: python_fallback(scope[var]) for label, var in GRAPHS.items()}
    times = browser_times(args.runs)

    rows = [("graph", "drawn nodes", "cell -> svg", "layout (wasm)", "python fallback",
             f"target {TARGET_S:.0f} s")]
    for label, row in times.items():
        painted = _median(row["painted"])
        fb = fallback.get(label)
        fb_text = "" if fb is None else f"{fb[0]:.2f} s ({fb[1]})"
        if label in GRAPHS:
            met = "MISSED" if painted is None or painted / 1000 > TARGET_S else "met"
        else:
            met = ""
        rows.append((label, str(row["nodes"]), _s(painted), _s(_median(row["layout"])), fb_text, met))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for j, r in enumerate(rows):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nmedian of {args.runs} runs per graph; {os.cpu_count()} CPUs, load average {load:.1f}")


if __name__ == "__main__":
    main()
