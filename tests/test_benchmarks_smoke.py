"""benchmarks/run.py runs end to end on tiny sizes (figures only; nothing here is timed)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("tfedu_benchmarks", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_every_figure_is_positive_for_tfedu_and_numpy(bench):
    import tfedu as tf

    libs = ("tfedu", "numpy")
    rows = bench.measure(libs=libs, tiny=True, budget=0.005, startup_runs=0)
    assert len(rows) == len(bench.benchmarks(tiny=True)) + 3
    optional = {"conv2d": hasattr(tf.nn, "conv2d"), "first Numba op": hasattr(tf.math, "cumsum")}
    for row in rows:
        value = row.values["tfedu"]
        if any(key in row.name and not present for key, present in optional.items()):
            assert value is None, row.name
        else:
            assert value is not None and value > 0, row.name
    numpy_rows = [r for r in rows if r.values["numpy"] is not None]
    assert len(numpy_rows) >= 8
    assert all(r.values["numpy"] > 0 for r in numpy_rows)

    table = bench.render(rows, libs)
    assert len(table.splitlines()) == len(rows) + 2
    assert all(row.name in table for row in rows)


def test_a_missing_library_gives_no_figure(bench):
    assert bench.load("no_such_library_xyz") is None
    assert bench.setup_eager_add("no_such_library_xyz", None) is None
    assert bench.best_seconds({"no_such_library_xyz": None}) == {"no_such_library_xyz": None}
    row = bench.Row("x", "us", {"tfedu": 1.0, "tensorflow": None}, False, "-",
                    (bench.faster_than("tensorflow", 4.0), bench.at_most(3.0)))
    assert [check(row) for check in row.checks] == [None, True]
    assert "yes" in bench.render([row], ("tfedu", "tensorflow"))


def test_speedup_reads_the_same_way_for_times_and_rates(bench):
    slow_peer = bench.Row("t", "us", {"tfedu": 2.0, "numpy": 6.0}, False)
    fast_peer = bench.Row("r", "GB/s", {"tfedu": 5.0, "numpy": 10.0}, True)
    assert slow_peer.speedup("numpy") == pytest.approx(3.0)
    assert fast_peer.speedup("numpy") == pytest.approx(0.5)


def test_mlp_steps_compute_the_same_training(bench):
    # The libraries are compared on one computation: tfedu's tape step and the hand-written
    # numpy step follow the same loss curve.
    import tfedu as tf

    weights, x, labels = bench._mlp_init((12, 8, 6, 3), batch=5)
    ours = bench._tf_style_step(tf, weights, x, labels, lr=0.5)
    reference = bench._numpy_step(weights, x, labels, lr=0.5)
    losses = [(float(ours().numpy()), float(reference())) for _ in range(4)]
    assert losses[-1][1] < losses[0][1]
    for mine, theirs in losses:
        assert mine == pytest.approx(theirs, rel=1e-4)


def test_keras_fit_benchmark_measures_tfedu(monkeypatch):
    spec = importlib.util.spec_from_file_location("tfedu_keras_fit",
                                                  ROOT / "benchmarks" / "keras_fit.py")
    kf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kf)
    for case, n in (("mlp", 512), ("conv", 256), ("deep", 128)):
        r = kf._run("tfedu", case, n, 2)
        assert r is not None and r["samples_per_s"] > 0 and r["peak_rss_mb"] > 0, case
    digits = kf._run("tfedu", "digits", 0, 0)
    assert digits["accuracy"] >= 0.9 and digits["fit_s"] > 0


def _load(name):
    spec = importlib.util.spec_from_file_location(f"tfedu_bench_{name}",
                                                  ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_growth_figures_tables_and_chart_at_tiny_sizes(tmp_path):
    import tfedu as tf

    growth = _load("growth")
    graphs = growth.GraphFigures(tf)
    results = {"sizes": [4, 8], "batches": [8], "load": ["load average x", "load average y"],
               "graph/tfedu": {str(n): graphs.first(n, 0.001) for n in (4, 8)},
               "fit/tfedu": {"8": {"samples_per_s": growth.fit_once(tf, 8, 32)}},
               "render/tfedu": {str(n): growth.render_seconds(tf, n) for n in (4, 8)}}
    again = graphs.again(8, 0.001)
    merged = growth._merge_best(results["graph/tfedu"]["8"], again)
    assert merged["call_s"] == min(again["call_s"], results["graph/tfedu"]["8"]["call_s"])
    for n in ("4", "8"):
        fig = results["graph/tfedu"][n]
        assert fig["trace_s"] > 0 and fig["call_s"] > 0 and fig["session_s"] > 0
        assert results["render/tfedu"][n]["seconds"] > 0
    assert results["fit/tfedu"]["8"]["samples_per_s"] > 0
    text = growth.report(results)
    assert "n/a" in text and "Keras fit" in text and "load average x" in text
    png = tmp_path / "growth.png"
    growth.chart(results, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_peer_runs_in_its_own_interpreter_and_answers_in_turns():
    peers = _load("peers")
    worker = peers.Worker("tfedu", [str(ROOT / "benchmarks" / "growth.py"), "--worker", "tfedu"])
    try:
        first = worker.ask({"do": "graph", "n": 3, "budget": 0.001})
        again = worker.ask({"do": "again", "n": 3, "budget": 0.001})
    finally:
        worker.close()
    assert first["trace_s"] > 0 and again["call_s"] > 0 and "trace_s" not in again
    assert worker.ask({"do": "again", "n": 3, "budget": 0.001}) is None  # closed: no answer
    assert peers.python_for("no_such_library_xyz") is None
    assert peers.Worker("no_such_library_xyz", ["x"]).ask({}) is None
    assert "load average" in peers.load_average()


def test_peers_in_another_interpreter_are_timed_in_turns(bench):
    """A peer's worker answers batch by batch between tfedu's, through `RemoteTimer`."""

    class FakeWorker:
        lib = "tensorflow"

        def __init__(self):
            self.asked = []

        def ask(self, request):
            self.asked.append(request)
            if request.get("prepare"):
                return {"ready": request["bench"].startswith("eager")}
            if request.get("startup"):
                return {"seconds": [2.0, 0.01, None]}
            return {"seconds": 4e-5 * request["number"]}  # 40 us a call

    worker = FakeWorker()
    rows = bench.measure(libs=("tfedu", "tensorflow"), tiny=True, budget=0.002, startup_runs=0,
                         workers={"tensorflow": worker})
    first = rows[0]
    assert first.values["tensorflow"] == pytest.approx(40.0)
    assert first.speedup("tensorflow") > 1
    assert all(r.values["tensorflow"] is None for r in rows if "matmul" in r.name)
    assert next(r for r in rows if r.name.startswith("import")).values["tensorflow"] == 2.0
    timed = [q for q in worker.asked if "number" in q]
    assert len({q["bench"] for q in timed}) == 2  # the two eager figures, batch by batch
