"""What quantisation keeps and loses: size and accuracy of one model in every mode.

    from tfedu.lite.report import quantization_report
    report = quantization_report(model, x_test, y_test, representative_dataset)
    report            # a table in the notebook
    report.plot()     # size and accuracy side by side

Each mode is converted with `TFLiteConverter` and evaluated in tfedu's small interpreter, on
the same test data, next to the Keras model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfedu.lite.converter import OpsSet, Optimize, TFLiteConverter

__all__ = ["QuantizationReport", "quantization_report", "MODES"]

MODES = ("float32", "dynamic range", "full integer", "full integer, int8 I/O", "float16")


@dataclass
class Row:
    mode: str
    size: int
    accuracy: float
    max_error: float  # largest |probability - Keras's probability|


def _converter(model, mode: str, representative_dataset):
    c = TFLiteConverter.from_keras_model(model)
    if mode != "float32":
        c.optimizations = [Optimize.DEFAULT]
    if mode.startswith("full integer"):
        c.representative_dataset = representative_dataset
    if mode == "full integer, int8 I/O":
        import tfedu

        c.target_spec.supported_ops = [OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = c.inference_output_type = tfedu.int8
    if mode == "float16":
        import tfedu

        c.target_spec.supported_types = [tfedu.float16]
    return c


def predict(content: bytes, x: np.ndarray) -> np.ndarray:
    """Run a converted model on float inputs (quantising int8 inputs, dequantising outputs)."""
    from tfedu.lite.interpreter import Interpreter

    it = Interpreter(model_content=content)
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    it.resize_tensor_input(d["index"], x.shape)
    it.allocate_tensors()
    if d["dtype"] != np.float32:
        scale, zero = d["quantization"]
        info = np.iinfo(d["dtype"])
        x = np.clip(np.round(x / scale + zero), info.min, info.max)
    it.set_tensor(d["index"], np.asarray(x).astype(d["dtype"]))
    it.invoke()
    y = it.get_tensor(o["index"])
    if o["dtype"] != np.float32:
        scale, zero = o["quantization"]
        y = (y.astype(np.float32) - zero) * scale
    return y


class QuantizationReport:
    """Rows of (mode, size in bytes, accuracy, largest probability error)."""

    def __init__(self, rows: list, keras_accuracy: float, models: dict):
        self.rows = rows
        self.keras_accuracy = keras_accuracy
        self.models = models  # mode -> .tflite bytes

    def __repr__(self):
        lines = [f"{'mode':<24}{'size':>10}{'vs float':>10}{'accuracy':>10}{'max |dp|':>10}"]
        base = self.rows[0].size
        for r in self.rows:
            lines.append(f"{r.mode:<24}{r.size:>10,}{r.size / base:>10.2f}{r.accuracy:>10.3f}"
                         f"{r.max_error:>10.4f}")
        lines.append(f"{'Keras model':<24}{'':>10}{'':>10}{self.keras_accuracy:>10.3f}")
        return "\n".join(lines)

    def _repr_html_(self):
        base = self.rows[0].size
        body = "".join(f"<tr><td>{r.mode}</td><td>{r.size:,}</td><td>{r.size / base:.2f}</td>"
                       f"<td>{r.accuracy:.3f}</td><td>{r.max_error:.4f}</td></tr>"
                       for r in self.rows)
        return ("<table><tr><th>mode</th><th>size (bytes)</th><th>vs float</th>"
                "<th>accuracy</th><th>max |probability error|</th></tr>" + body +
                f"<tr><td>Keras model</td><td></td><td></td><td>{self.keras_accuracy:.3f}</td>"
                "<td></td></tr></table>")

    def plot(self):
        """Two bar charts: file size and test accuracy per mode."""
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
        names = [r.mode.replace(", ", ",\n") for r in self.rows]
        left.bar(names, [r.size / 1024 for r in self.rows], color="#f57c00")
        left.set_ylabel("size (KiB)")
        right.bar(names, [r.accuracy for r in self.rows], color="#1976d2")
        right.axhline(self.keras_accuracy, color="k", lw=1, ls="--", label="Keras model")
        right.set_ylim(min(r.accuracy for r in self.rows) - 0.05, 1.0)
        right.set_ylabel("test accuracy")
        right.legend(loc="lower right")
        for ax in (left, right):
            ax.tick_params(axis="x", labelsize=8)
        fig.tight_layout()
        return fig


def quantization_report(model, x, y, representative_dataset, modes=MODES) -> QuantizationReport:
    """Convert `model` in each mode; measure size and accuracy on (x, y) in the interpreter."""
    reference = model(x, training=False).numpy()
    rows, models = [], {}
    for mode in modes:
        content = _converter(model, mode, representative_dataset).convert()
        probs = predict(content, x)
        models[mode] = content
        rows.append(Row(mode, len(content), float(np.mean(probs.argmax(-1) == y)),
                        float(np.abs(probs - reference).max())))
    return QuantizationReport(rows, float(np.mean(reference.argmax(-1) == y)), models)
