"""`OneDeviceStrategy`: the strategy API on one device (one replica, plain variables)."""

from __future__ import annotations

from tfedu.distribute import device
from tfedu.distribute.distribute_lib import Strategy, StrategyExtended

__all__ = ["OneDeviceStrategy"]


class OneDeviceExtended(StrategyExtended):
    pass


class OneDeviceStrategy(Strategy):
    """Everything on `device`: code written for a strategy, run on one replica."""

    _extended_class = OneDeviceExtended

    def __init__(self, device_name):
        device.parse_device(device_name)
        super().__init__([device.canonical_device(device_name)])
