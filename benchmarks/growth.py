"""How costs grow: with graph size (10 -> 10k ops) and with fit's batch size, next to TF.

    python benchmarks/growth.py                    # full sizes, table + benchmarks/growth.png
    python benchmarks/growth.py --quick            # 10 -> 1k ops, fewer batch sizes
    python benchmarks/growth.py --png out.png

Figures, each library in its own process (tfedu in this interpreter, TensorFlow in the one
`benchmarks/peers.py` finds), one after the other in the same run:

- a chain of n elementwise ops on 100 float32 (`x*0.999` and `x+0.001` alternating) under
  `tf.function`: trace + first call, a steady call (and so the cost per op), and the memory
  the traced function keeps (RSS growth); the CPU time per op of a call that runs every op
  (TF's; tfedu's with `scalar_chains` off), which a loaded machine disturbs less than wall
  time;
- the same chain built in a TF1 graph and run by `Session.run` (a steady call);
- Keras `fit` of the MLP 784-256-128-10 (Adam) on random data: samples/s by batch size;
- the graph view's display data for the TF1 graph (tfedu only: TF has no such figure; the
  drawing in JupyterLab itself is `graph_render.py`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import peers  # noqa: E402

SIZES, QUICK_SIZES, TINY_SIZES = (10, 100, 1000, 10000), (10, 100, 1000), (4, 8)
BATCHES, QUICK_BATCHES, TINY_BATCHES = (32, 128, 512, 2048), (32, 512), (8, 16)
FIT_SAMPLES = {"full": 16384, "quick": 8192, "tiny": 64}


# --- worker side: one process per library and family -----------------------------------------

def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as f:
            import os

            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return None


def _lib(name: str):
    if name == "tfedu":
        import tfedu as tf
    else:
        import tensorflow as tf
    return tf


def _chain(n: int):
    def f(x):
        for i in range(n):
            x = x * 0.999 if i % 2 else x + 0.001
        return x

    return f


def best_per_call(fn, budget: float = 0.3, rounds: int = 5, clock=time.perf_counter) -> float:
    """Seconds per call: calls batched to about budget/rounds seconds, the best batch.
    `clock=time.process_time` counts the CPU time of all the process's threads instead: on a
    loaded machine, what the work costs rather than how long it waited for a core."""
    fn()
    number, elapsed = 1, 0.0
    while elapsed < budget / rounds and number < 10**6:
        number *= 2
        t = clock()
        for _ in range(number):
            fn()
        elapsed = clock() - t
    best = elapsed / number
    for _ in range(rounds - 1):
        t = clock()
        for _ in range(number):
            fn()
        best = min(best, (clock() - t) / number)
    return best


class GraphFigures:
    """The worker's state for the graph figures: the traced functions and sessions of every
    size, kept so that later rounds time their steady calls again."""

    def __init__(self, tf):
        import numpy as np

        self.tf = tf
        self.value = np.linspace(0, 1, 100, dtype=np.float32)
        self.x = tf.constant(self.value)
        self.kept = {}
        self.first(2, 0.01)  # one-time costs (lazy imports) are nobody's size

    def first(self, n: int, budget: float) -> dict:
        """Trace + first call and the memory it keeps, then the steady calls."""
        tf, x = self.tf, self.x
        before, t = _rss_mb(), time.perf_counter()
        f = tf.function(_chain(n))
        f(x)
        trace = time.perf_counter() - t
        after = _rss_mb()
        self.kept[n] = (f, self._session(n), self._without_chains(n))
        memory = None if before is None else max(after - before, 0.0)
        return {"trace_s": trace, "memory_mb": memory, **self.again(n, budget)}

    def _without_chains(self, n: int):
        """tfedu's same function traced with the scalar_chains pass off: the cost per op of
        graphs the pass does not shorten (None for TF)."""
        if getattr(self.tf, "__name__", "") != "tfedu":
            return None
        from tfedu.graph.passes import set_pass_options

        set_pass_options({"scalar_chains": False})
        try:
            f = self.tf.function(_chain(n))
            f(self.x)
        finally:
            set_pass_options({"scalar_chains": True})
        return f

    def _session(self, n: int):
        v1 = self.tf.compat.v1
        g = self.tf.Graph()
        with g.as_default():
            x = v1.placeholder(self.tf.float32, [len(self.value)])
            y = _chain(n)(x)
        sess = v1.Session(graph=g)
        return lambda: sess.run(y, {x: self.value})

    def again(self, n: int, budget: float) -> dict:
        f, run, plain = self.kept[n]
        x = self.x
        out = {"call_s": best_per_call(lambda: f(x), budget),
               "session_s": best_per_call(run, budget)}
        # the CPU time of a call of every op: TF's plain call, tfedu's with scalar_chains off
        op_by_op = f if plain is None else plain
        out["op_by_op_cpu_s"] = best_per_call(lambda: op_by_op(x), budget,
                                              clock=time.process_time)
        if plain is not None:
            out["call_unchained_s"] = best_per_call(lambda: plain(x), budget)
        return out


def fit_once(tf, batch: int, samples: int) -> float:
    """Samples/s of one epoch of the MLP's fit after a short warm-up fit."""
    import numpy as np

    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, samples)
    model = _mlp(tf)
    model.fit(x[: batch * 2], y[: batch * 2], batch_size=batch, epochs=1, verbose=0)
    t = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    return samples / (time.perf_counter() - t)


def _mlp(tf):
    layers = tf.keras.layers
    model = tf.keras.Sequential([tf.keras.Input((784,)), layers.Dense(256, activation="relu"),
                                 layers.Dense(128, activation="relu"), layers.Dense(10)])
    model.compile(tf.keras.optimizers.Adam(1e-3),
                  tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def render_seconds(tf, n: int) -> dict:
    """Seconds for the graph view's display data of an n-op TF1 graph (tfedu only)."""
    from tfedu.viz import show_graph

    g = tf.Graph()
    with g.as_default():
        _chain(n)(tf.compat.v1.placeholder(tf.float32, [100]))
    t = time.perf_counter()
    bundle = show_graph(g)._repr_mimebundle_()
    return {"seconds": time.perf_counter() - t, "svg": "image/svg+xml" in bundle}


def worker(lib: str) -> None:
    """Answers the driver's requests (`peers.serve`): graph, again, fit, render."""
    tf = _lib(lib)
    graphs = GraphFigures(tf)
    if lib == "tfedu":
        render_seconds(tf, 2)  # the first drawing loads what later ones reuse
    handlers = {
        "graph": lambda r: graphs.first(r["n"], r["budget"]),
        "again": lambda r: graphs.again(r["n"], r["budget"]),
        "fit": lambda r: {"samples_per_s": fit_once(tf, r["batch"], r["samples"])},
        "render": lambda r: render_seconds(tf, r["n"]),
    }
    peers.serve(lambda r: handlers[r["do"]](r))


# --- driver ----------------------------------------------------------------------------------

def _merge_best(old: dict | None, new: dict | None) -> dict | None:
    """Figures of two rounds: the smaller time, the larger rate, first-call figures kept."""
    if old is None or new is None:
        return old or new
    out = dict(old)
    for key, v in new.items():
        if key in ("call_s", "session_s", "call_unchained_s", "op_by_op_cpu_s"):
            out[key] = min(out.get(key, v), v)
        elif key == "samples_per_s":
            out[key] = max(out.get(key, v), v)
    return out


def _in_turns(workers: dict, results: dict, key: str, xs, request, rounds: int) -> None:
    """Each x asked of every library in turn, `rounds` times; the best figures kept."""
    for r in range(rounds):
        for x in xs:
            for lib, w in workers.items():
                got = w.ask(request(x, r))
                slot = results.setdefault(f"{key}/{lib}", {})
                slot[str(x)] = _merge_best(slot.get(str(x)), got)


def measure(mode: str = "full", libs: tuple[str, ...] = ("tfedu", "tensorflow"),
            log=print) -> dict:
    """Every figure for every library, the libraries asked in turns (one process each)."""
    sizes = {"full": SIZES, "quick": QUICK_SIZES, "tiny": TINY_SIZES}[mode]
    batches = {"full": BATCHES, "quick": QUICK_BATCHES, "tiny": TINY_BATCHES}[mode]
    budget, samples = (0.01 if mode == "tiny" else 0.3), FIT_SAMPLES[mode]
    results: dict = {"sizes": list(sizes), "batches": list(batches),
                     "load": [peers.load_average()]}
    workers = {lib: peers.Worker(lib, [__file__, "--worker", lib]) for lib in libs}
    try:
        log("  graph figures (trace, then steady calls in turns)")
        _in_turns(workers, results, "graph", sizes,
                  lambda n, r: {"do": "graph" if r == 0 else "again", "n": n, "budget": budget}, 3)
        log("  fit figures")
        _in_turns(workers, results, "fit", batches,
                  lambda b, r: {"do": "fit", "batch": b, "samples": samples}, 2)
        log("  graph view")
        _in_turns({"tfedu": workers["tfedu"]}, results, "render", sizes,
                  lambda n, r: {"do": "render", "n": n}, 1)
    finally:
        for w in workers.values():
            w.close()
    results["load"].append(peers.load_average())
    return results


def _get(results: dict, key: str, size, field: str | None = None):
    fig = (results.get(key) or {}).get(str(size))
    if fig is None or field is None:
        return fig
    return fig.get(field)


def _ratio(peer, mine) -> str:
    return "n/a" if not peer or not mine else f"{peer / mine:.2f}x"


def _cell(v, scale: float, spec: str) -> str:
    return "n/a" if v is None else format(v * scale, spec)


def graph_rows(results: dict) -> list[list[str]]:
    """Per size: trace, steady call, per-op, Session.run and memory, tfedu | TF | TF/tfedu."""
    rows = []
    for n in results["sizes"]:
        cells = [f"{n:,}"]
        for field, scale, spec in (("trace_s", 1e3, ".1f"), ("call_s", 1e6, ",.1f"),
                                   ("session_s", 1e6, ",.1f"), ("memory_mb", 1, ".1f")):
            mine, theirs = (_get(results, f"graph/{lib}", n, field)
                            for lib in ("tfedu", "tensorflow"))
            cells += [_cell(mine, scale, spec), _cell(theirs, scale, spec), _ratio(theirs, mine)]
        theirs = _get(results, "graph/tensorflow", n, "call_s")
        plain = _get(results, "graph/tfedu", n, "call_unchained_s")
        cells += [_cell(plain, 1e6, ",.1f"), _ratio(theirs, plain)]
        verdicts = [_get(results, "graph/tfedu", n, "call_s"), plain]
        cpu = [_get(results, f"graph/{lib}", n, "op_by_op_cpu_s")
               for lib in ("tfedu", "tensorflow")]
        cells += [_cell(cpu[0], 1e9 / n, ",.0f"), _cell(cpu[1], 1e9 / n, ",.0f"),
                  _ratio(cpu[1], cpu[0])]
        if cpu[1]:
            verdicts.append(cpu[0])
        cells.append("n/a" if n < 1000 or not theirs else "/".join(
            "n/a" if v is None else ("yes" if v <= (theirs if k < 2 else cpu[1]) else "NO")
            for k, v in enumerate(verdicts)))
        rows.append(cells)
    return rows


def render_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c) for c in col) for col in zip(head, *rows, strict=True)]

    def line(cells):
        return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def report(results: dict) -> str:
    """The tables: graph-size growth, fit by batch size, the graph view's display data."""
    head = ["ops", "trace ms", "TF", "TF/us", "call us", "TF", "TF/us", "Session.run us",
            "TF", "TF/us", "memory MB", "TF", "TF/us", "call, chains off us", "TF/us",
            "CPU ns/op, chains off", "TF", "TF/us", "per op <= TF's (on/off/off CPU)"]
    rate = "samples_per_s"
    fit = [[f"{b}", _cell(_get(results, "fit/tfedu", b, rate), 1, ",.0f"),
            _cell(_get(results, "fit/tensorflow", b, rate), 1, ",.0f"),
            _ratio(_get(results, "fit/tfedu", b, rate), _get(results, "fit/tensorflow", b, rate))]
           for b in results["batches"]]
    render = [[f"{n:,}", _cell(_get(results, "render/tfedu", n, "seconds"), 1e3, ",.1f"),
               "svg" if _get(results, "render/tfedu", n, "svg") else "text summary"]
              for n in results["sizes"]]
    return "\n\n".join([
        "Growth with graph size (chain of elementwise ops, 100 float32; TF/us = TF's time "
        "over tfedu's: above 1, tfedu is faster)\n" + render_table(head, graph_rows(results)),
        "Keras fit, MLP 784-256-128-10 Adam, samples/s by batch size\n"
        + render_table(["batch", "tfedu", "Keras/TF", "tfedu/TF"], fit),
        "Graph view display data (kernel side)\n"
        + render_table(["ops", "ms", "fallback"], render),
        "Load: " + " -> ".join(results["load"]),
    ])


def _series(results: dict, key: str, xs, field: str | None, scale: float = 1.0):
    pts = [(x, _get(results, key, x, field)) for x in xs]
    return [x for x, v in pts if v is not None], [v * scale for _, v in pts if v is not None]


def _panel(ax, results, title, ylabel, key, field, scale, xs, xlabel="ops in the graph",
           yscale="log"):
    for lib, style in (("tfedu", "o-"), ("tensorflow", "s--")):
        x, y = _series(results, f"{key}/{lib}", xs, field, scale)
        if x:
            ax.plot(x, y, style, label="tfedu" if lib == "tfedu" else "TensorFlow 2")
    x, y = _series(results, f"{key}/tfedu", xs, "call_unchained_s", scale)
    if field == "call_s" and x:
        ax.plot(x, y, "o:", color="C0", alpha=0.6, label="tfedu, scalar_chains off")
        for lib, style, color in (("tfedu", "^-.", "C0"), ("tensorflow", "v-.", "C1")):
            x, y = _series(results, f"{key}/{lib}", xs, "op_by_op_cpu_s", scale)
            if x:
                ax.plot(x, y, style, color=color, alpha=0.5, markersize=4,
                        label=("tfedu, chains off" if lib == "tfedu" else "TF") + ", CPU time")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xscale="log")
    ax.set_yscale(yscale, **({"linthresh": 1.0} if yscale == "symlog" else {}))
    if yscale == "symlog":
        ax.set_ylim(bottom=0)
    ax.set_xticks(xs, [f"{x:,}" for x in xs])
    ax.minorticks_off()
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


def chart(results: dict, path: Path) -> None:
    """One PNG, six panels, log-log: how each cost grows, tfedu next to TF."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    sizes, batches = results["sizes"], results["batches"]
    _panel(axes[0, 0], results, "trace + first call", "ms", "graph", "trace_s", 1e3, sizes)
    _panel(axes[0, 1], results, "steady tf.function call", "µs", "graph", "call_s", 1e6, sizes)
    _panel(axes[0, 2], results, "steady Session.run", "µs", "graph", "session_s", 1e6, sizes)
    _panel(axes[1, 0], results, "memory kept by the traced function", "MB (RSS growth)",
           "graph", "memory_mb", 1, sizes, yscale="symlog")
    _panel(axes[1, 1], results, "Keras fit, MLP 784-256-128-10", "samples/s", "fit", "samples_per_s", 1,
           batches, "batch size")
    _panel(axes[1, 2], results, "graph view display data", "ms", "render", "seconds", 1e3,
           sizes)
    fig.suptitle(f"tfedu vs TensorFlow, how costs grow ({results['load'][0]})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 -> 1k ops, two batch sizes")
    ap.add_argument("--png", default=str(HERE / "growth.png"), help="where the chart goes")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--replot", help="draw the chart and tables of figures saved by --json")
    args = ap.parse_args(argv)
    if args.replot:
        results = json.loads(Path(args.replot).read_text())
    else:
        results = measure("quick" if args.quick else "full",
                          log=lambda m: print(m, file=sys.stderr, flush=True))
    print(report(results))
    chart(results, Path(args.png))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    print(f"\nchart: {args.png}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        sys.exit(main())
