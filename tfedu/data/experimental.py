"""`tf.data.experimental`: the names TF 2 still keeps there."""

from tfedu.data.dataset_ops import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality"]


def cardinality(dataset):
    """The dataset's cardinality as an int64 tensor (-1 infinite, -2 unknown)."""
    return dataset.cardinality()


def __getattr__(name):
    """The CSV readers live with the other file datasets (record_readers)."""
    if name in ("CsvDataset", "make_csv_dataset"):
        from tfedu.data import record_readers

        return getattr(record_readers, name)
    raise AttributeError(f"module 'tfedu.data.experimental' has no attribute '{name}'")
