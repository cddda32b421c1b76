"""Lesson 13's claims hold (frozen and fine-tuned beat from-scratch by `transfer.MARGIN` on the
lesson's split), and the build script makes the shipped modules again, offline."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import tfedu as tf
from tfedu.hub import build, catalogue, transfer

ROOT = Path(__file__).resolve().parents[2]


def test_transfer_beats_training_from_scratch():
    results = transfer.compare(per_topic=3, seed=0)  # the lesson's split and recipe
    scratch = results["from scratch"]["accuracy"]
    assert results["frozen"]["accuracy"] >= scratch + transfer.MARGIN, results
    assert results["fine-tuned"]["accuracy"] >= scratch + transfer.MARGIN, results
    assert results["fine-tuned"]["accuracy"] >= results["frozen"]["accuracy"] - 0.02, results
    assert all(r["seconds"] > 0 for r in results.values())


def test_topic_task_uses_only_sentences_the_module_never_saw():
    x, y, xt, yt, topics = transfer.topic_task(per_topic=3, seed=0)
    assert len(x) == 24 and np.bincount(y).tolist() == [3] * 8 and len(xt) == 400
    from tfedu.hub import corpus

    held_out = {s for _, s in corpus.read(build.CORPUS_FILE)[transfer.HELD_OUT_FROM:]}
    assert set(x) | set(xt) <= held_out


def _variables(path):
    """The module's numeric variables (the object graph entry aside)."""
    reader = tf.train.load_checkpoint(os.path.join(path, "variables", "variables"))
    values = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}
    return {k: v for k, v in values.items() if np.asarray(v).dtype.kind == "f"}


def test_build_script_rebuilds_the_shipped_modules(tmp_path):
    """`python -m tfedu.hub.build --out DIR` (no network: the digits set and the corpus ship):
    the same graphs, cards and facts; the same variables (bit for bit with the same BLAS)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    subprocess.run([sys.executable, "-m", "tfedu.hub.build", "--out", str(tmp_path)], check=True,
                   env=env, cwd=ROOT, capture_output=True, timeout=600)
    built, shipped = (json.loads(p.read_text("utf8")) for p in
                      (tmp_path / "catalogue.json", Path(catalogue.CATALOGUE_FILE)))
    assert set(built) == set(shipped)
    for name, entry in shipped.items():
        new = built[name]
        assert new["files"]["saved_model.pb"] == entry["files"]["saved_model.pb"], name
        for key, value in entry["facts"].items():
            assert np.isclose(new["facts"][key], value, atol=0.02), (name, key)
        ours, theirs = _variables(str(tmp_path / name)), _variables(catalogue.module_path(name))
        assert set(ours) == set(theirs)
        for key in ours:
            np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-3, atol=1e-3, err_msg=key)
