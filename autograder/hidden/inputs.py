"""Strategies the question folders share (floats a dtype holds, large values that do occur,
arrays built once): hypothesis's own, through :mod:`autograder.hidden.strategies`."""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .strategies import nps, st


@functools.lru_cache(maxsize=4096)
def floats(magnitude: float, dtype: Any = np.float64) -> st.SearchStrategy:
    """Finite floats in [-magnitude, magnitude] that ``dtype`` can hold (no subnormals)."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, width=width)


@functools.lru_cache(maxsize=4096)
def big_or_small(magnitude: float, dtype: Any = np.float64) -> st.SearchStrategy:
    """Floats that are often exactly +-magnitude (so large values do occur), else any finite
    value in range."""
    edges = [magnitude, -magnitude, magnitude / 2, -magnitude / 2]
    return floats(magnitude, dtype) | st.sampled_from(edges)


@functools.lru_cache(maxsize=4096)
def arrays(dtype: Any, shape: tuple, elements: st.SearchStrategy) -> st.SearchStrategy:
    """``hypothesis.extra.numpy.arrays``, built once per (dtype, shape, elements)."""
    return nps.arrays(dtype, shape, elements=elements)
