"""keras.utils.get_file: the offline cache, file:// downloads, hashes, archives, clear errors;
plot_model through the graph view."""

import hashlib
import os
import tarfile

import pytest

import tfedu as tf


def test_get_file_uses_cache_then_downloads_file_urls(tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("hello")
    cache = tmp_path / "cache"
    path = tf.keras.utils.get_file("data.txt", origin=src.as_uri(), cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.txt") and open(path).read() == "hello"
    src.unlink()  # offline from now on: the cached copy is used
    assert tf.keras.utils.get_file("data.txt", origin=src.as_uri(), cache_dir=str(cache)) == path
    digest = hashlib.sha256(b"hello").hexdigest()
    assert tf.keras.utils.get_file("data.txt", origin=src.as_uri(), cache_dir=str(cache),
                                   file_hash=digest) == path


def test_get_file_failure_says_where_to_put_the_file(tmp_path):
    missing = (tmp_path / "nope.bin").as_uri()
    with pytest.raises(Exception, match=r"(?s)URL fetch failure on .*nope\.bin.*put it at .*nope\.bin"):
        tf.keras.utils.get_file("nope.bin", origin=missing, cache_dir=str(tmp_path / "c"))
    assert not os.path.exists(tmp_path / "c" / "datasets" / "nope.bin.part")
    with pytest.raises(ValueError, match="origin"):
        tf.keras.utils.get_file("x")


def test_get_file_extracts_archives(tmp_path):
    inner = tmp_path / "a.txt"
    inner.write_text("A")
    arc = tmp_path / "arc.tar.gz"
    with tarfile.open(arc, "w:gz") as t:
        t.add(inner, arcname="folder/a.txt")
    out = tf.keras.utils.get_file("arc.tar.gz", origin=arc.as_uri(), extract=True,
                                  cache_dir=str(tmp_path / "c"))
    assert open(os.path.join(out, "folder", "a.txt")).read() == "A"


def test_plot_model_writes_the_graph_views_drawing(tmp_path):
    m = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, name="d")])
    view = tf.keras.utils.plot_model(m, to_file=str(tmp_path / "m.dot"))
    assert type(view).__name__ == "GraphView"
    assert (tmp_path / "m.dot").read_text().startswith("digraph")
    with pytest.raises(ValueError, match="not yet been built"):
        tf.keras.utils.plot_model(tf.keras.Sequential([tf.keras.layers.Dense(1)]), to_file=None)
