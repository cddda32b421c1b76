"""A web page that runs an exported digit classifier with TensorFlow.js: draw, see the guess.

`write_digit_page(export_dir)` puts `index.html` beside `model.json`: served over HTTP (any
static server), it loads the model with `tf.loadLayersModel("model.json")`. `digit_page(...)`
shows the same page inside a notebook, next to the code: the model travels inside the page
(`tf.io.fromMemory`), so nothing has to be served. TensorFlow.js itself comes from `tfjs_url`
(by default the jsDelivr CDN, as TensorFlow.js's own tutorials load it).

The page draws on a 160x160 canvas and averages it down to the model's input (8x8 for the
`digits` dataset, values 0..16 like it). `window.tfeduDemo` holds the last input and output,
for tests and for the curious (open the browser console).
"""

from __future__ import annotations

import base64
import html
import json
import os

from tfedu.js.converters import _write_atomic, model_json

__all__ = ["write_digit_page", "digit_page", "TFJS_CDN"]

TFJS_CDN = "https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@4.22.0/dist/tf.min.js"

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Draw a digit</title>
<style>
 body { font-family: sans-serif; margin: 8px; color: #222; }
 #pad { background: #000; touch-action: none; cursor: crosshair; border-radius: 4px; }
 .row { display: flex; gap: 16px; align-items: flex-start; }
 .bar { height: 14px; background: #f57c00; }
 #guess { font-size: 42px; font-weight: bold; }
 td { font-size: 12px; padding: 0 4px; }
</style></head>
<body>
<div class="row">
 <div><canvas id="pad" width="160" height="160"></canvas><br>
  <button id="clear">clear</button> <span id="status">loading TensorFlow.js...</span></div>
 <div><div>prediction: <span id="guess">?</span></div><table id="probs"></table></div>
</div>
<script src="__TFJS_URL__"></script>
<script>
const SIDE = __SIDE__, SCALE = __SCALE__;
const pad = document.getElementById('pad'), ctx = pad.getContext('2d');
const status = document.getElementById('status');
window.tfeduDemo = {ready: false, input: null, probs: null};
function clear() { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height); }
clear();
document.getElementById('clear').onclick = () => { clear(); predict(); };
let drawing = false;
function at(e) { const r = pad.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
pad.onpointerdown = (e) => { drawing = true; ctx.beginPath(); ctx.moveTo(...at(e)); };
pad.onpointermove = (e) => {
  if (!drawing) return;
  ctx.lineTo(...at(e)); ctx.strokeStyle = '#fff'; ctx.lineWidth = 16; ctx.lineCap = 'round';
  ctx.stroke(); };
pad.onpointerup = pad.onpointerleave = () => { if (drawing) { drawing = false; predict(); } };
function pixels() {
  // average each block of the canvas into one input pixel, scaled to 0..SCALE
  const img = ctx.getImageData(0, 0, pad.width, pad.height).data, block = pad.width / SIDE;
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < pad.height; y++) for (let x = 0; x < pad.width; x++)
    out[Math.floor(y / block) * SIDE + Math.floor(x / block)] += img[(y * pad.width + x) * 4];
  return out.map(v => v / (block * block) / 255 * SCALE);
}
let model = null;
async function predict() {
  if (!model) return;
  const input = pixels();
  const probs = tf.tidy(() => model.predict(tf.tensor(input, [1, SIDE, SIDE, 1])).dataSync());
  const best = probs.indexOf(Math.max(...probs));
  document.getElementById('guess').textContent = best;
  document.getElementById('probs').innerHTML = Array.from(probs).map((p, i) =>
    `<tr><td>${i}</td><td><div class="bar" style="width:${Math.round(p * 120)}px"></div></td>` +
    `<td>${p.toFixed(3)}</td></tr>`).join('');
  window.tfeduDemo = {ready: true, input: Array.from(input), probs: Array.from(probs)};
}
async function start() {
  if (typeof tf === 'undefined') {
    status.textContent = 'could not load TensorFlow.js from __TFJS_URL__'; return; }
  model = await (__LOAD__);
  status.textContent = 'TensorFlow.js ' + tf.version.tfjs + ' (' + tf.getBackend() + ')';
  await predict();
}
start().catch(e => { status.textContent = 'error: ' + e.message; });
</script></body></html>
"""

_FROM_FILES = "tf.loadLayersModel('./model.json')"
_FROM_MEMORY = """(() => {
    const bytes = Uint8Array.from(atob('__WEIGHTS__'), c => c.charCodeAt(0));
    return tf.loadLayersModel(tf.io.fromMemory(__TOPOLOGY__, __SPECS__, bytes.buffer));
  })()"""


def _page(load: str, tfjs_url: str, side: int, scale: float) -> str:
    return (_PAGE.replace("__LOAD__", load).replace("__TFJS_URL__", html.escape(tfjs_url))
            .replace("__SIDE__", str(int(side))).replace("__SCALE__", repr(float(scale))))


def write_digit_page(export_dir, tfjs_url: str = TFJS_CDN, side: int = 8,
                     scale: float = 16.0) -> str:
    """Write `index.html` beside an export's `model.json`; returns its path."""
    if not os.path.exists(os.path.join(export_dir, "model.json")):
        raise ValueError(f"{export_dir} has no model.json: export the model first "
                         f"(tfedu.js.save_keras_model).")
    path = os.path.join(export_dir, "index.html")
    _write_atomic(path, _page(_FROM_FILES, tfjs_url, side, scale).encode())
    return path


def standalone_page(model, tfjs_url: str = TFJS_CDN, side: int = 8, scale: float = 16.0) -> str:
    """The page as one HTML string with the model inside it (topology + base64 weights)."""
    doc, files = model_json(model)
    group = doc["weightsManifest"][0]
    data = b"".join(files[p] for p in group["paths"])
    load = (_FROM_MEMORY.replace("__WEIGHTS__", base64.b64encode(data).decode())
            .replace("__TOPOLOGY__", json.dumps(doc["modelTopology"]))
            .replace("__SPECS__", json.dumps(group["weights"])))
    return _page(load, tfjs_url, side, scale)


class DigitPage:
    """Shows the page in a notebook output, in an iframe (its own document, its own scripts)."""

    def __init__(self, page: str, height: int = 260):
        self.page = page
        self.height = height

    def __repr__(self) -> str:
        return "<draw-a-digit page: shown as a web page in JupyterLab or Jupyter Notebook>"

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" width="100%" '
                f'height="{self.height}" style="border:1px solid #ddd" '
                f'sandbox="allow-scripts"></iframe>')


def digit_page(model, tfjs_url: str = TFJS_CDN, side: int = 8, scale: float = 16.0):
    """Draw-a-digit page running `model` with TensorFlow.js, to display in a notebook."""
    return DigitPage(standalone_page(model, tfjs_url, side, scale))
