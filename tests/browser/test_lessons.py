"""Lessons opened in JupyterLab as a student opens them: run all cells, and the views render.

Lesson 00 draws a graph, lesson 02 a retracing view, lesson 05 live training curves. Each
lesson is copied unchanged from notebooks/ and run with "Run All"; its exercises stay blank,
so the last cell shows the unanswered-exercise message, which also proves that "Run All" went
past the cells tagged `raises-exception`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.conftest import open_and_run, screenshot

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture
def lesson(browser, lab_server):
    """Open a lesson in a fresh page and run all its cells; yield the page."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    def run(name: str):
        shutil.copy(NOTEBOOKS / name, lab_server.root / name)
        open_and_run(page, lab_server, name)
        return page

    yield run
    context.close()


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
    assert {"MatMul", "AddV2"} <= set(view.locator("svg .tfedu-graph-node text").all_text_contents())
    screenshot(view, "lesson00_graph")


def test_lesson_02_shows_why_f_traced_three_times(lesson):
    page = lesson("02_tf_function.ipynb")
    _wait_last_exercise(page, "lesson02.print_count")
    view = page.locator(".jp-OutputArea .tfedu-retracing").first
    assert view.locator(".tfedu-retracing-concrete").count() == 3
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
