"""`tfedu.datasets`: a catalogue of ready-to-use datasets as `tf.data` pipelines (the TFDS idea).

    import tfedu.datasets as tfds
    ds, info = tfds.load("digits", split="train[:80%]", as_supervised=True, with_info=True)

`digits` and `iris` ship with the package; `mnist` and `fashion_mnist` are downloaded once into
the data directory (`data_dir=`, `$TFEDU_DATA_DIR`, or tfedu's user cache). Add your own data
with `DatasetBuilder.from_arrays / from_csv / from_image_folder(...).register()` or a subclass.
"""

from tfedu.datasets import features
from tfedu.datasets.core import (
    ChecksumError,
    DatasetBuilder,
    DatasetInfo,
    SplitInfo,
    as_numpy,
    builder,
    default_data_dir,
    list_builders,
    load,
    register,
)
from tfedu.datasets.download import DownloadError

__all__ = [
    "ChecksumError", "DatasetBuilder", "DatasetInfo", "DownloadError", "SplitInfo", "as_numpy",
    "builder", "default_data_dir", "features", "list_builders", "load", "register",
]
