"""The optional torch track's helpers, shared by the hidden tests of its question folders
(``t1_cross_entropy``, ``t2_causal_attention``, ``t3_optimization``: weights sum to 1 per
question; the engine scales them by the extra credit).

Arguments go to the worker as TorchTensor and come back as TensorValue; the expectations come
from the numpy reference in float64. The grader never imports torch.
"""
from __future__ import annotations

import numpy as np

from autograder.engine.api import TensorValue
from autograder.show import describe, show

from .strategies import st

DEVICE_HINT = ("Work with torch operations on the tensors you are given, so that the results "
               "stay on their device (a GPU included) and in their dtype: no `.item()`, "
               "`.numpy()` or `float(...)`, and create new tensors with "
               "`device=x.device, dtype=x.dtype` (or `torch.zeros_like`).")


def device_of(value):
    """The device of the first tensor in ``value`` (arguments as they came back), or None."""
    if isinstance(value, TensorValue):
        return value.device
    items = value.values() if isinstance(value, dict) else value
    if isinstance(items, (list, tuple)) or isinstance(value, dict):
        for item in items:
            device = device_of(item)
            if device is not None:
                return device
    return None


def tensor(s, got, what: str, dtype, device) -> np.ndarray:
    """``got`` must be a tensor of this numpy ``dtype`` (as torch's) on ``device`` (None: any);
    returns its values."""
    if not isinstance(got, TensorValue):
        s.fail(f"Expected {what} to be a torch tensor, got {describe(got)}: `{show(got)}`. "
               + DEVICE_HINT)
    want = f"torch.{np.dtype(dtype)}"
    if got.dtype != want or (device is not None and got.device != device):
        s.fail(f"Expected {what} on device {device or got.device} with dtype {want} (those of "
               f"the inputs), got device {got.device} and dtype {got.dtype}. " + DEVICE_HINT)
    return np.asarray(got.array)


def dtypes():
    return st.sampled_from([np.float64, np.float32])
