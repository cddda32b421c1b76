"""`tf.data`: input pipelines."""

from tfedu.data.dataset_ops import (
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    Options,
)
from tfedu.data.readers import TextLineDataset
from tfedu.data.record_readers import TFRecordDataset
from tfedu.data import experimental

