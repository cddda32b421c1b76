"""The draw-a-digit page runs an exported model with TensorFlow.js in headless Chromium.

TensorFlow.js is requested from its CDN, as a student's browser would; the browser context
answers those requests with the copy in the side environment (no network). Drawing on the
canvas gives an input and probabilities, which must be what tfedu predicts for that input.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import CHROMIUM_ARGS, open_and_run, screenshot
from tests.interop import tfside
from tests.interop.test_tfjs_interop import serve

TF_MIN_JS = tfside.NODE_MODULES / "@tensorflow" / "tfjs" / "dist" / "tf.min.js"

_MODEL = """
import numpy as np, tfedu as tf, tfedu.js as tfjs
tf.keras.utils.set_random_seed(7)
model = tf.keras.Sequential([tf.keras.Input((8, 8, 1)), tf.keras.layers.Conv2D(4, 3),
                             tf.keras.layers.Flatten(), tf.keras.layers.Dense(10, activation="softmax")])
tfjs.save_keras_model(model, "web_model")
"""


# The notebook's page is a sandboxed frame: Chromium runs it in a process of its own, out of
# reach of request routing, unless site isolation is off (this browser only visits loopback).
_ONE_PROCESS = ["--disable-features=IsolateOrigins,site-per-process",
                "--disable-site-isolation-trials"]


@pytest.fixture(scope="module")
def routed_browser(browser, chromium_path):
    if not TF_MIN_JS.exists():
        pytest.skip(tfside.unavailable(need_node=True) or f"no {TF_MIN_JS}")
    b = browser.browser_type.launch(executable_path=chromium_path,
                                    args=CHROMIUM_ARGS + _ONE_PROCESS)
    yield b
    b.close()


@pytest.fixture
def context(routed_browser):
    ctx = routed_browser.new_context(viewport={"width": 1200, "height": 900})
    ctx.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(
        path=str(TF_MIN_JS), content_type="application/javascript"))
    yield ctx
    ctx.close()


def _draw_and_read(frame, canvas):
    frame.wait_for_function("() => window.tfeduDemo && window.tfeduDemo.ready", timeout=60_000)
    box = canvas.bounding_box()
    mouse = canvas.page.mouse
    mouse.move(box["x"] + 90, box["y"] + 30)
    mouse.down()
    for step in range(1, 9):
        mouse.move(box["x"] + 90, box["y"] + 30 + 12 * step)
    mouse.up()
    frame.wait_for_function("() => window.tfeduDemo.input.some(v => v > 0)", timeout=30_000)
    demo = frame.evaluate("() => window.tfeduDemo")
    return np.array(demo["input"], np.float32).reshape(1, 8, 8, 1), np.array(demo["probs"])


def _expected(export_dir, x):
    import tfedu.js as tfjs

    return tfjs.load_keras_model(str(export_dir / "model.json"))(x).numpy()[0]


def test_served_page_predicts_what_tfedu_predicts(context, tmp_path):
    import tfedu.js as tfjs

    namespace = {}
    exec(_MODEL.replace('"web_model"', repr(str(tmp_path / "web_model"))), namespace)
    tfjs.page.write_digit_page(str(tmp_path / "web_model"))
    server = serve(tmp_path)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/web_model/index.html")
        x, probs = _draw_and_read(page.main_frame, page.locator("#pad"))
    finally:
        server.shutdown()
    np.testing.assert_allclose(probs, _expected(tmp_path / "web_model", x), atol=1e-5)
    assert x.max() > 8  # a stroke of ink, on digits' 0..16 scale


def test_notebook_shows_the_page_next_to_the_code(context, lab_server):
    name = lab_server.write_notebook("tfjs_page.ipynb", [
        _MODEL, "tfjs.page.digit_page(model)"])
    page = context.new_page()
    open_and_run(page, lab_server, name)
    iframe = page.locator(".jp-OutputArea iframe").first
    iframe.wait_for(timeout=180_000)
    frame = iframe.element_handle().content_frame()
    x, probs = _draw_and_read(frame, frame.locator("#pad"))
    np.testing.assert_allclose(probs, _expected(lab_server.root / "web_model", x), atol=1e-5)
    screenshot(iframe, "tfjs_digit_page")
