"""Comparing a student's value with what it should be: tolerances by dtype, the magnitude that
scales them, sameness of inputs before and after a call, the numbers inside a result."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.engine.api import Kind, TensorValue, TorchTensor

RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 1e-2}
"""relative tolerance by the dtype of the inputs (the absolute one is RTOL * a scale of the
inputs' magnitude)"""


def rtol_for(*arrays) -> float:
    """The relative tolerance for results computed from these inputs: float32 tolerance if any
    float input is float32, else float64's."""
    dtypes = [np.asarray(getattr(a, "array", a)).dtype for a in arrays]
    return max((RTOL.get(d, 1e-6) for d in dtypes if d.kind == "f"), default=1e-6)


def magnitude(*values) -> float:
    """The largest absolute finite value in these arrays/dicts/lists (0.0 if none)."""
    best = 0.0
    for v in values:
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, (list, tuple)):
            best = max(best, magnitude(*v))
            continue
        a = np.asarray(getattr(v, "array", v), dtype=np.float64)
        a = a[np.isfinite(a)]
        if a.size:
            best = max(best, float(np.abs(a).max()))
    return best


def same(before: Any, after: Any) -> bool:
    """``after`` is ``before`` exactly: same types, shapes, dtypes, keys and values."""
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype
                and bool(np.array_equal(before, after, equal_nan=before.dtype.kind == "f")))
    if isinstance(before, (TorchTensor, TensorValue)):
        return isinstance(after, TensorValue) and same(np.asarray(before.array),
                                                       np.asarray(after.array))
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            same(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return isinstance(after, (list, tuple)) and len(before) == len(after) and all(
            same(b, a) for b, a in zip(before, after))
    return type(before) is type(after) and before == after


def kind_of(got: Any, expected: Any) -> str:
    """NAN when a finite number was expected and got is nan or inf, else VALUE."""
    try:
        if np.isfinite(expected) and not np.isfinite(got):
            return Kind.NAN
    except TypeError:
        pass
    return Kind.VALUE


def numbers(value: Any, path: str):
    """(where, value) of every array or number inside ``value`` (value None: not a number)."""
    if isinstance(value, TensorValue):
        value = value.array
    if isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from numbers(v, f"{path}[{i}]")
    elif isinstance(value, (np.ndarray, np.number, int, float)) and not isinstance(value, bool) \
            and np.asarray(value).dtype.kind in "biufc":
        yield path, value
    else:
        yield path, None
