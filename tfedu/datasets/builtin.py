"""The catalogue's own datasets: digits and iris ship inside the package (they work offline);
MNIST and Fashion-MNIST are downloaded once into the data directory."""

from __future__ import annotations

import gzip
import os

import numpy as np

from tfedu.datasets import download as dl
from tfedu.datasets import features as F
from tfedu.datasets.core import DatasetBuilder, DatasetInfo, verify_file

_PKG_DATA = os.path.join(os.path.dirname(__file__), "data")

# SHA-256 of the files shipped in tfedu/datasets/data/.
SHIPPED_CHECKSUMS = {
    "digits.npz": "91ceebb395316702f4f37cefd251a8b2a2ce0a7935bb5c158ded376972d45940",
    "iris.npz": "a5862ab4cb1553f6adb111c093f1e6745cb9802c5d14a27e9ea244f0c9fd24b4",
}


class _ShippedBuilder(DatasetBuilder, skip_registration=True):
    """Reads `tfedu/datasets/data/<FILE>` (arrays named `<split>_<feature>`) after checking it."""

    FILE = ""

    def _path(self):
        return os.path.join(_PKG_DATA, self.FILE)

    def _arrays(self):
        path = self._path()
        verify_file(path, SHIPPED_CHECKSUMS[self.FILE])
        with np.load(path) as z:
            return {k: z[k] for k in z.files}

    @property
    def prepared_dir(self):
        return _PKG_DATA

    def is_prepared(self):
        return True

    def download_and_prepare(self):
        pass

    def _split_sizes(self):
        sizes = {}
        for k, v in self._arrays().items():
            split, _, feat = k.partition("_")
            if feat == "label":
                sizes[split] = len(v)
        return sizes

    def _load_split(self, split):
        prefix = split + "_"
        return {k[len(prefix):]: v for k, v in self._arrays().items() if k.startswith(prefix)}


class Digits(_ShippedBuilder):
    """8x8 greyscale handwritten digits (UCI optical recognition set; 1797 images)."""

    name = "digits"
    VERSION = "1.0.0"
    FILE = "digits.npz"

    def _info(self):
        return DatasetInfo(
            builder=self,
            description=(
                "Handwritten digits 0-9 as 8x8 greyscale images with pixel values 0..16 "
                "(counts of ink pixels in 4x4 blocks of a 32x32 bitmap). 1797 images from 43 "
                "writers, in a fixed shuffled order: 1437 train, 360 test."),
            features=F.FeaturesDict(image=F.Image((8, 8, 1), "uint8"),
                                    label=F.ClassLabel(num_classes=10)),
            supervised_keys=("image", "label"),
            homepage="https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
            citation=("E. Alpaydin, C. Kaynak. Optical Recognition of Handwritten Digits. UCI "
                      "Machine Learning Repository, 1998. https://doi.org/10.24432/C50P49"))


class Iris(_ShippedBuilder):
    """Fisher's iris flowers: 4 measurements (cm), 3 species, 150 examples."""

    name = "iris"
    VERSION = "2.1.0"
    FILE = "iris.npz"

    def _info(self):
        return DatasetInfo(
            builder=self,
            description=(
                "Fisher's iris data: sepal length, sepal width, petal length and petal width "
                "in cm for 50 flowers of each of 3 species. One 'train' split of 150 examples "
                "in a fixed shuffled order; slice it, e.g. split='train[:80%]'."),
            features=F.FeaturesDict(
                features=F.Tensor((4,), "float32"),
                label=F.ClassLabel(names=["Iris-setosa", "Iris-versicolor", "Iris-virginica"])),
            supervised_keys=("features", "label"),
            homepage="https://archive.ics.uci.edu/dataset/53/iris",
            citation=("R. A. Fisher. The use of multiple measurements in taxonomic problems. "
                      "Annals of Eugenics 7(2):179-188, 1936."))


# --- IDX downloads -----------------------------------------------------------------------------
MNIST_MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
]
FASHION_MNIST_MIRRORS = [
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

MNIST_CHECKSUMS = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
FASHION_MNIST_CHECKSUMS = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def read_idx(path: str) -> np.ndarray:
    """Reads a (gzipped) IDX file: big-endian magic, dims, then uint8 data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes.")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims} but holds {data.size} bytes of data.")
    return data.reshape(dims)


class _IdxBuilder(DatasetBuilder, skip_registration=True):
    """Downloads the four standard IDX files, then stores train/test as checksummed npz."""

    MIRRORS_ENV = ""
    CLASS_NAMES: list[str] | None = None

    def _mirrors(self):
        return dl.mirrors_from_env(self.MIRRORS_ENV, self._default_mirrors())

    def _default_mirrors(self):
        raise NotImplementedError

    def _checksums(self):
        raise NotImplementedError

    def download_dir(self) -> str:
        return os.path.join(self.data_dir, "downloads", self.name)

    def _generate_splits(self):
        sums = self._checksums()
        mirrors = self._mirrors()
        paths = {f: dl.download(f, sha, self.download_dir(), mirrors) for f, sha in sums.items()}
        out = {}
        for split, prefix in (("train", "train"), ("test", "t10k")):
            images = read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"])
            labels = read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"])
            if len(images) != len(labels):
                raise ValueError(f"{self.name} {split}: {len(images)} images but "
                                 f"{len(labels)} labels.")
            out[split] = {"image": images[..., None], "label": labels.astype(np.int64)}
        return out

    def _features(self):
        label = (F.ClassLabel(names=self.CLASS_NAMES) if self.CLASS_NAMES
                 else F.ClassLabel(num_classes=10))
        return F.FeaturesDict(image=F.Image((28, 28, 1), "uint8"), label=label)


class Mnist(_IdxBuilder):
    """The MNIST handwritten digits: 60000 train and 10000 test 28x28 greyscale images."""

    name = "mnist"
    VERSION = "3.0.1"
    MIRRORS_ENV = "TFEDU_MNIST_MIRRORS"

    def _default_mirrors(self):
        return MNIST_MIRRORS

    def _checksums(self):
        return MNIST_CHECKSUMS

    def _info(self):
        return DatasetInfo(
            builder=self, description="The MNIST database of handwritten digits.",
            features=self._features(), supervised_keys=("image", "label"),
            homepage="http://yann.lecun.com/exdb/mnist/",
            citation=("Y. LeCun, C. Cortes, C. J. C. Burges. MNIST handwritten digit "
                      "database, 2010."))


class FashionMnist(_IdxBuilder):
    """Zalando's Fashion-MNIST: 28x28 greyscale images of 10 kinds of clothing."""

    name = "fashion_mnist"
    VERSION = "3.0.1"
    MIRRORS_ENV = "TFEDU_FASHION_MNIST_MIRRORS"
    CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]

    def _default_mirrors(self):
        return FASHION_MNIST_MIRRORS

    def _checksums(self):
        return FASHION_MNIST_CHECKSUMS

    def _info(self):
        return DatasetInfo(
            builder=self,
            description=("Fashion-MNIST is a dataset of Zalando's article images consisting "
                         "of a training set of 60,000 examples and a test set of 10,000 "
                         "examples. Each example is a 28x28 grayscale image, associated with "
                         "a label from 10 classes."),
            features=self._features(), supervised_keys=("image", "label"),
            homepage="https://github.com/zalandoresearch/fashion-mnist",
            citation=("H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a Novel Image Dataset "
                      "for Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017."))
