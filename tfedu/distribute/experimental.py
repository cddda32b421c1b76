"""`tf.distribute.experimental`: options and older names."""

from tfedu.distribute.collective_all_reduce_strategy import MultiWorkerMirroredStrategy
from tfedu.distribute.distribute_lib import ValueContext

__all__ = ["MultiWorkerMirroredStrategy", "ValueContext", "CommunicationOptions",
           "CommunicationImplementation"]


class CommunicationImplementation:
    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """Accepted for compatibility: tfedu's workers always all-reduce through MPI."""

    def __init__(self, bytes_per_pack=0, timeout_seconds=None,
                 implementation=CommunicationImplementation.AUTO):
        self.bytes_per_pack, self.timeout_seconds = bytes_per_pack, timeout_seconds
        self.implementation = implementation
