"""Hypothesis strategies and small oracles shared by the reference's tests (no tests here).

Every strategy is bounded: finite floats of a stated magnitude, small explicit shapes.
"""
import copy

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

# logits/scores of these magnitudes: ordinary, past float32's exp overflow (88.7), and 1e4
MAGNITUDES = (3.0, 100.0, 1e4)


def finite(dtype, magnitude):
    """Finite floats in [-magnitude, magnitude], representable in ``dtype``."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False, width=width)


@st.composite
def logits_targets(draw, *, dtype=np.float64, max_V=8, min_side=1, magnitudes=MAGNITUDES):
    """(logits (..., V), targets (...), ignore_index, magnitude) with 1 to 3 leading axes.

    ignore_index is None, -100, or a class id in [0, V) (then every target equal to it is
    ignored); some targets are set to it so that ignored positions really occur.
    """
    lead = draw(nps.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=4))
    V = draw(st.integers(1, max_V))
    magnitude = draw(st.sampled_from(magnitudes))
    logits = draw(nps.arrays(dtype, (*lead, V), elements=finite(dtype, magnitude)))
    targets = draw(nps.arrays(np.int64, lead, elements=st.integers(0, V - 1)))
    ignore_index = draw(st.sampled_from([None, -100, "class"]))
    if ignore_index == "class":
        ignore_index = draw(st.integers(0, V - 1))
    if ignore_index is not None:
        ignored = draw(nps.arrays(bool, lead, elements=st.booleans()))
        targets = np.where(ignored, ignore_index, targets)
    return logits, targets, ignore_index, magnitude


@st.composite
def qkv(draw, *, dtype=np.float64, max_T=6, magnitudes=(1.0, 10.0, 60.0)):
    """(q, k, v) of shapes (..., T, d), (..., T, d), (..., T, dv), 0 to 2 batch axes.

    With |q|, |k| <= 60 and d <= 4 the scores q.k / sqrt(d) reach about 7e3.
    """
    batch = draw(nps.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    T = draw(st.integers(1, max_T))
    d = draw(st.integers(1, 4))
    dv = draw(st.integers(1, 5))
    magnitude = draw(st.sampled_from(magnitudes))
    q = draw(nps.arrays(dtype, (*batch, T, d), elements=finite(dtype, magnitude)))
    k = draw(nps.arrays(dtype, (*batch, T, d), elements=finite(dtype, magnitude)))
    v = draw(nps.arrays(dtype, (*batch, T, dv), elements=finite(dtype, 10.0)))
    return q, k, v


@st.composite
def grad_dicts(draw, *, dtype=np.float64, magnitude=10.0, min_arrays=1):
    """A dict of 1 to 4 named arrays of different shapes (0-d to 3-d)."""
    n = draw(st.integers(min_arrays, 4))
    shapes = draw(st.lists(nps.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
                           min_size=n, max_size=n))
    return {f"p{i}": draw(nps.arrays(dtype, shape, elements=finite(dtype, magnitude)))
            for i, shape in enumerate(shapes)}


def same_shapes_as(arrays, *, dtype=np.float64, magnitude=10.0):
    """A strategy for a dict of arrays with the keys and shapes of ``arrays``."""
    elements = finite(dtype, magnitude)
    return st.fixed_dictionaries({name: nps.arrays(dtype, a.shape, elements=elements)
                                  for name, a in arrays.items()})


def hyperparameters():
    """AdamW settings: lr, betas, eps, weight_decay, max_grad_norm (None, tiny, 1, huge)."""
    return st.fixed_dictionaries({
        "lr": st.sampled_from([1e-4, 1e-3, 3e-2, 0.5]),
        "betas": st.tuples(st.sampled_from([0.0, 0.5, 0.9, 0.99]),
                           st.sampled_from([0.9, 0.99, 0.999, 0.9999])),
        "eps": st.sampled_from([1e-10, 1e-8, 1e-3]),
        "weight_decay": st.sampled_from([0.0, 0.01, 0.1, 0.5]),
        "max_grad_norm": st.sampled_from([None, 1e-3, 1.0, 1e6]),
    })


def snapshot(value):
    """A deep copy, to compare with the value after a call (inputs must not change)."""
    return copy.deepcopy(value)


def assert_same(before, after, path="input"):
    """Recursively: same structure, array dtypes and shapes, and bit-identical values."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{path} is no longer an array"
        assert before.dtype == after.dtype and before.shape == after.shape, f"{path} changed"
        assert np.array_equal(before, after, equal_nan=before.dtype.kind == "f"), f"{path} changed"
    elif isinstance(before, dict):
        assert before.keys() == after.keys(), f"{path} keys changed"
        for key in before:
            assert_same(before[key], after[key], f"{path}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), f"{path} length changed"
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            assert_same(b, a, f"{path}[{i}]")
    else:
        assert before == after, f"{path} changed"


def arrays_in(value):
    """Every numpy array inside nested dicts/lists/tuples."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [a for item in value for a in arrays_in(item)]
    return []


def call_and_check_inputs(fn, *args, **kwargs):
    """Call fn; check that no input changed and that no returned array shares an input's memory."""
    before = snapshot((args, kwargs))
    result = fn(*args, **kwargs)
    assert_same(before, (args, kwargs), f"{fn.__name__}'s input")
    for out in arrays_in(result):
        for inp in arrays_in((args, kwargs)):
            assert not np.shares_memory(out, inp), f"{fn.__name__} returned a view of its input"
    return result
