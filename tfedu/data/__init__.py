"""`tf.data`: input pipelines."""

from tfedu.data import dataset_ops
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
from tfedu.data import more_datasets as _more

_more.install()
Iterator = dataset_ops.OwnedIterator
experimental.Counter = _more.Counter
experimental.dense_to_ragged_batch = _more.dense_to_ragged_batch
experimental.Optional = _more.Optional
