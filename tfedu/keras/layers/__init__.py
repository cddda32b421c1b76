"""`keras.layers`."""

from tfedu.keras.engine.base_layer import InputSpec, Layer
from tfedu.keras.layers.attention import (
    AdditiveAttention,
    Attention,
    EinsumDense,
    MultiHeadAttention,
)
from tfedu.keras.layers.conv import (
    AveragePooling1D,
    AveragePooling2D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Convolution2D,
    DepthwiseConv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPool1D,
    MaxPool2D,
    MaxPooling1D,
    MaxPooling2D,
)
from tfedu.keras.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
    Rescaling,
)
from tfedu.keras.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Embedding,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from tfedu.keras.layers.normalization import BatchNormalization, LayerNormalization, Normalization
from tfedu.keras.layers.recurrent import GRU, LSTM, Bidirectional, SimpleRNN
from tfedu.keras.layers.extra import (
    ELU,
    Cropping2D,
    GlobalAveragePooling3D,
    GlobalMaxPooling3D,
    LeakyReLU,
    Permute,
    ReLU,
    RepeatVector,
    Softmax,
    TimeDistributed,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
    add,
    average,
    concatenate,
    maximum,
    multiply,
    subtract,
)
from tfedu.keras.layers.preprocessing import (
    CategoryEncoding,
    CenterCrop,
    Discretization,
    Hashing,
    IntegerLookup,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    Resizing,
    StringLookup,
    TextVectorization,
)
from tfedu.keras.layers.tfsm import TFSMLayer  # noqa: E402,F401  (a SavedModel as a layer)
