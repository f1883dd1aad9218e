"""A Student that calls functions from a dict in this process, for fast tests of the hidden tests.

It follows the engine's semantics (autograder/engine/api.py): arguments are deep-copied in
(``TorchTensor`` becomes a ``torch.Tensor``), results come back as plain data (numpy arrays as
fresh ndarray copies, numpy scalars kept, lists/tuples/dicts with str keys, torch tensors as
``TensorValue``); anything else is a ``BadReturn``; an exception becomes ``StudentRaised``
with its class name and a truncated message; a missing or non-callable name is a
``MissingFunction``; ``SystemExit`` is a ``CallAborted`` crash.

It runs student code in the grader's own process, so it is for tests only: the real engine
uses a worker process.
"""
from __future__ import annotations

import copy
import sys
import warnings
from typing import Any, Sequence

import numpy as np

from autograder.engine.api import (BadReturn, CallAborted, CallResult, MissingFunction,
                                   StudentRaised, TensorValue, TorchTensor)
from autograder.engine.wire import shared_arrays

DETAIL_LIMIT = 300
"""longest exception message passed on (characters)"""
DTYPE_KINDS = "biufc"
"""numpy dtype kinds that may cross (bool, integers, floats, complex)"""


def _torch():
    import torch  # only when a TorchTensor is sent: the numpy track never needs torch

    return torch


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


class _Unreadable(Exception):
    """A value that cannot cross the process boundary (becomes BadReturn)."""


class InProcessStudent:
    """``Student`` over ``namespace`` (a dict from a function name to the function)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def has(self, function: str) -> bool:
        return callable(self.namespace.get(function))

    def call(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.call_ex(function, args, kwargs).value

    def call_ex(self, function: str, args: Sequence[Any] = (), kwargs: dict | None = None, *,
                return_args: bool = False, backward: bool = False) -> CallResult:
        fn = self.namespace.get(function)
        if not callable(fn):
            raise MissingFunction(function, f"the submission does not define {function}")
        args = [_to_student(a) for a in args]
        kwargs = {k: _to_student(v) for k, v in (kwargs or {}).items()}
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a worker's warnings never reach the grader
            try:
                value = fn(*args, **kwargs)
                grads = _backward(value, [*args, *kwargs.values()]) if backward else ()
            except SystemExit as e:
                raise CallAborted(function, "crash",
                                  f"{function} exited the process (SystemExit {e.code!r})"
                                  ) from None
            except Exception as e:
                raise StudentRaised(function, type(e).__name__, _truncate(str(e))) from None
        try:
            plain = _to_plain(value)
            after = tuple(_to_plain(a) for a in args) if return_args else ()
            grads = tuple(None if g is None else _to_plain(g) for g in grads)
        except _Unreadable as e:
            raise BadReturn(function, f"{function} returned {e}; return numpy arrays, numbers, "
                                      "or tuples, lists and dicts of those") from None
        shared = tuple(tuple(x) for x in shared_arrays(value, args, kwargs))
        return CallResult(plain, after, grads, shared)


def _truncate(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT - 1] + "…"


def _to_student(value: Any) -> Any:
    """A deep copy of an argument, with TorchTensor made into a torch.Tensor."""
    if isinstance(value, TorchTensor):
        torch = _torch()
        device = value.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        tensor = torch.from_numpy(np.array(value.array, copy=True)).to(device)
        return tensor.requires_grad_(True) if value.requires_grad else tensor
    if isinstance(value, dict):
        return {k: _to_student(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_student(v) for v in value)
    return copy.deepcopy(value)


def _leaves(values) -> list:
    """The tensors that require grad, in argument order (nested lists/dicts included)."""
    found = []
    for v in values:
        if isinstance(v, dict):
            found += _leaves(v.values())
        elif isinstance(v, (list, tuple)):
            found += _leaves(v)
        elif _is_tensor(v) and v.requires_grad and v.is_leaf:
            found.append(v)
    return found


def _backward(value: Any, args: list) -> tuple:
    if not _is_tensor(value):
        raise TypeError(f"expected a tensor to call .backward() on, got a "
                        f"{type(value).__name__}")
    value.backward()
    return tuple(t.grad for t in _leaves(args))


def _to_plain(value: Any) -> Any:
    """The value as the engine would decode it on the grader's side."""
    if _is_tensor(value):
        torch = sys.modules["torch"]
        data = value.detach().cpu()
        if data.dtype == torch.bfloat16:
            data = data.float()
        return TensorValue(array=np.array(data.numpy(), copy=True), device=str(value.device),
                           dtype=str(value.dtype), requires_grad=bool(value.requires_grad))
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in DTYPE_KINDS:
            raise _Unreadable(f"an array of dtype {value.dtype}")
        return np.array(value, copy=True, subok=False)
    if isinstance(value, np.generic):
        if value.dtype.kind not in DTYPE_KINDS:
            raise _Unreadable(f"a numpy {value.dtype} scalar")
        return value
    if value is None or type(value) in (bool, int, float, complex, str):
        return value
    if isinstance(value, (bool, int, float, str)):  # subclasses (IntEnum, ...) as plain values
        for plain in (bool, int, float, str):
            if isinstance(value, plain):
                return plain(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_to_plain(v) for v in value) if type(value) in (list, tuple) else \
            list(_to_plain(v) for v in value)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Unreadable("a dict whose keys are not all strings")
        return {k: _to_plain(v) for k, v in value.items()}
    raise _Unreadable(f"a {type(value).__name__}")
