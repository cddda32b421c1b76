"""`keras.preprocessing`: the older homes of Keras's data utilities, kept by Keras 3 as aliases
(`keras.preprocessing.sequence.pad_sequences` is `keras.utils.pad_sequences`)."""

from tfedu.keras.preprocessing import image, sequence
from tfedu.keras.utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

__all__ = ["image", "image_dataset_from_directory", "sequence", "text_dataset_from_directory",
           "timeseries_dataset_from_array"]
