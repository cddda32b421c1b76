"""Lessons opened in JupyterLab as a student opens them: run all cells, and the views render.

Lesson 00 draws a graph, lesson 02 a retracing view, lesson 05 live training curves. Each
lesson is copied unchanged from notebooks/ and run with "Run All"; its exercises stay blank,
so the last cell shows the unanswered-exercise message, which also proves that "Run All" went
past the cells tagged `raises-exception`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, open_and_run, screenshot

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture
def lesson(browser, lab_server):
    """Open a lesson in a fresh page and run all its cells; yield the page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    def run(name: str):
        shutil.copy(NOTEBOOKS / name, lab_server.root / name)
        open_and_run(page, lab_server, name)
        page.run_all_at = time.monotonic()
        return page

    yield run
    context.close()


def _record_time(page, lesson: str) -> None:
    """Seconds from "Run All" (kernel already idle) to this lesson's views rendered, kept in
    test-artifacts/lesson_timings.json for the record (a loaded machine is slower: never
    asserted)."""
    seconds = round(time.monotonic() - page.run_all_at, 1)
    path = ARTIFACTS / "lesson_timings.json"
    ARTIFACTS.mkdir(exist_ok=True)
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[lesson] = {"run_all_to_rendered_s": seconds, "load_average": os.getloadavg()[0]}
    path.write_text(json.dumps(timings, indent=1, sort_keys=True))
    print(f"{lesson}: Run All to its views rendered in {seconds} s")


def _wait_last_exercise(page, exercise: str):
    page.locator(".jp-OutputArea", has_text=f"Not yet ({exercise})").first.wait_for(timeout=180_000)


def test_lesson_00_draws_the_graph_of_a_function(lesson):
    page = lesson("00_welcome.ipynb")
    _wait_last_exercise(page, "lesson00.centre")
    view = page.locator(".jp-OutputArea .tfedu-graph").first
    view.wait_for(timeout=180_000)
    page.wait_for_function("v => v.querySelectorAll('svg .tfedu-graph-node').length >= 5",
                           arg=view.element_handle(), timeout=180_000)
    assert view.locator(".tfedu-graph-title").first.inner_text().startswith("affine")
    _record_time(page, "00_welcome")
    assert {"MatMul", "AddV2"} <= set(view.locator("svg .tfedu-graph-node text").all_text_contents())
    screenshot(view, "lesson00_graph")


def test_lesson_02_shows_why_f_traced_three_times(lesson):
    page = lesson("02_tf_function.ipynb")
    _wait_last_exercise(page, "lesson02.print_count")
    view = page.locator(".jp-OutputArea .tfedu-retracing").first
    expect(view.locator(".tfedu-retracing-concrete")).to_have_count(3, timeout=60_000)
    _record_time(page, "02_tf_function")
    assert view.locator(".tfedu-retracing-signature").all_text_contents() == [
        "f(x: float32[])", "f(x: float32[2])", "f(x: float32[2,2])"]
    assert view.locator(".tfedu-retracing-timeline .tfedu-retracing-call").count() == 5
    screenshot(view, "lesson02_retracing")


def test_lesson_05_fit_draws_training_curves(lesson):
    page = lesson("05_keras.ipynb")
    _wait_last_exercise(page, "lesson05.iris_accuracy")
    view = page.locator(".jp-OutputArea .tfedu-curves").first
    view.wait_for(timeout=180_000)
    charts = view.locator(".tfedu-curves-chart")
    assert [charts.nth(i).get_attribute("data-metric") for i in range(charts.count())] == [
        "loss", "accuracy"]
    assert view.locator(".tfedu-curves-legend-item").count() >= 1
    screenshot(view, "lesson05_curves")
    # The functional model's graph: readable from the start, labels not repeated, each
    # variable one box, and SOURCE the student's cell (not IPython's internals).
    graph = page.locator(".jp-OutputArea .tfedu-graph").first
    graph.locator("svg .tfedu-graph-node").first.wait_for(timeout=60_000)
    _record_time(page, "05_keras")
    graph.scroll_into_view_if_needed()
    scale = float(re.search(r"scale\(([\d.]+)\)", graph.locator(".tfedu-graph-canvas")
                            .evaluate("e => e.style.transform")).group(1))
    assert scale >= 0.8, scale  # text at least 8 px
    labels = [n.locator("text").all_text_contents()
              for n in graph.locator("svg .tfedu-graph-node").all()]
    assert labels and all(len(t) < 2 or t[0] != t[1] for t in labels), labels
    assert graph.locator("svg .tfedu-box-variable").count() == 4  # 2 kernels, 2 biases
    graph.locator("svg .tfedu-graph-node", has_text="MatMul").first.click()
    # The model is traced when the cell `functional` displays it: that line is the source.
    expect(graph.locator(".tfedu-details-source")).to_have_text(
        re.compile(r"^Cell In\[\d+\]:\d+ in <module>$"))
    screenshot(graph, "lesson05_functional_graph")


def test_lesson_16_steps_and_profiles_from_run_all(lesson):
    """Run All to every view rendered (timed for the record, not asserted)."""
    page = lesson("16_stepping_through_graphs.ipynb")
    _wait_last_exercise(page, "lesson16.fusion_saves_steps")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-OutputArea .tfedu-step')].filter("
        "v => v.querySelector('.tfedu-step-current, .tfedu-step-error')).length === 4 &&"
        " document.querySelectorAll('.jp-OutputArea .tfedu-profile .tfedu-heat').length > 4",
        timeout=180_000)
    _record_time(page, "16_stepping_through_graphs")
    steps = page.locator(".jp-OutputArea .tfedu-step")
    session, function = steps.nth(0), steps.nth(1)
    session.scroll_into_view_if_needed()  # cells out of sight are not laid out
    # x fed; the variable handle and its read; MatMul, add, Relu
    assert session.locator(".tfedu-step-counter").text_content() == "step 6 of 6"
    assert function.locator("svg .tfedu-box-variable").count() == 1
    assert steps.nth(3).locator(".tfedu-step-error").count() == 1
    for i, name in enumerate(["session", "function", "flow", "error"]):
        steps.nth(i).scroll_into_view_if_needed()
        screenshot(steps.nth(i), f"lesson16_step_{name}")
    profiles = page.locator(".jp-OutputArea .tfedu-profile")
    profiles.nth(1).scroll_into_view_if_needed()
    assert "Before (plain tf.function)" in profiles.nth(1).text_content()
    screenshot(profiles.nth(1), "lesson16_profile_fused")
