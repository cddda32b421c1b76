import pytest

from tests.interop import tfside


@pytest.fixture(scope="session")
def tf_side():
    """The TensorFlow side environment (tests/interop/tfside.py); skips with the reason if absent."""
    reason = tfside.unavailable()
    if reason:
        pytest.skip(reason)
    return tfside


@pytest.fixture(scope="session")
def tfjs_side():
    """The side environment with @tensorflow/tfjs under Node; skips with the reason if absent."""
    reason = tfside.unavailable(need_node=True)
    if reason:
        pytest.skip(reason)
    return tfside
