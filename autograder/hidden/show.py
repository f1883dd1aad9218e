"""How a student's value is shown in feedback: a short, deterministic text that pastes back into
a notebook (``np.array([1.0, 2.0])``), shape and range for large arrays, and a call with its
inputs (``cross_entropy(logits, targets, reduction='sum')``)."""
from __future__ import annotations

import functools
from typing import Any, Sequence

import numpy as np

from autograder.engine.api import TensorValue, TorchTensor

from .params import PARAMS


def _array_text(a: np.ndarray) -> str:
    # nested lists of each element's shortest exact text ("0.1", "-2.5e-05", "True", "3")
    if a.ndim == 0:
        x = a[()]
        return str(bool(x)) if a.dtype.kind == "b" else str(x)
    return "[" + ", ".join(_array_text(row) for row in a) + "]"


def number(x) -> str:
    """A number as Python writes it (``1.0``, ``3``, ``True``), whatever its numpy type."""
    if isinstance(x, (bool, np.bool_)):
        return repr(bool(x))
    if isinstance(x, (int, np.integer)):
        return repr(int(x))
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    return repr(x)


def show(value: Any, width: int = 300, max_elements: int = 16) -> str:
    """A short, deterministic text for a value: code-like for small data (``np.array([1.0,
    2.0])``), shape and dtype with the value range for large arrays, cut at ``width``."""
    text = _show(value, max_elements)
    return text if len(text) <= width else text[:width - 1] + "…"


def _show(value: Any, max_elements: int, depth: int = 0) -> str:
    if depth > 4 and isinstance(value, (dict, list, tuple)):
        return "[...]" if isinstance(value, list) else "(...)" if isinstance(value, tuple) \
            else "{...}"
    nested = functools.partial(_show, max_elements=max_elements, depth=depth + 1)
    if isinstance(value, np.ndarray):
        return _show_array(value, max_elements)
    if isinstance(value, (TensorValue, TorchTensor)):
        inner = nested(np.asarray(value.array))
        if isinstance(value, TensorValue):
            return f"tensor {inner} (dtype {value.dtype}, device {value.device})"
        return f"tensor {inner}" + (" (requires_grad=True)" if value.requires_grad else "")
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({number(value)})"
    if isinstance(value, (bool, int, float)):
        return number(value)
    if value is None or isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        items = [f"{k!r}: {nested(v)}" for k, v in list(value.items())[:max_elements]]
        if len(value) > max_elements:
            items.append(f"... ({len(value)} items)")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        items = [nested(v) for v in value[:max_elements]]
        if len(value) > max_elements:
            items.append(f"... ({len(value)} items)")
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(value) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    return f"<a {type(value).__name__}>"


def _show_array(value: np.ndarray, max_elements: int) -> str:
    if value.size == 0:
        return f"np.zeros({value.shape}, dtype=np.{value.dtype})"
    if value.size <= max_elements:
        dtype = "" if value.dtype in (np.float64, np.int64, np.bool_) else \
            f", dtype=np.{value.dtype}"
        return f"np.array({_array_text(value)}{dtype})"
    desc = f"<{value.dtype} array of shape {value.shape}"
    if value.dtype.kind in "biuf":
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value
        if finite.size:
            desc += f", values from {number(finite.min())} to {number(finite.max())}"
        if finite.size < value.size:
            desc += f", {value.size - finite.size} of them nan or inf"
    return desc + ">"


def describe(value: Any) -> str:
    """What kind of value this is, in words: "a float64 array of shape (2, 3)", "a list"."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, TensorValue):
        return f"a {value.dtype} tensor of shape {tuple(np.shape(value.array))} on {value.device}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    if value is None:
        return "None"
    return f"a {type(value).__name__}"


def _inline(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str, np.generic)) or (
        isinstance(value, tuple) and len(value) <= 3
        and all(isinstance(v, (int, float)) for v in value))


def format_call(function: str, args: Sequence, kwargs: dict, width: int = 300) -> str:
    """``cross_entropy(logits, targets, reduction='sum')`` and a list of the array inputs."""
    names = PARAMS.get(function, ())
    pairs = [(names[i] if i < len(names) else f"arg{i}", a) for i, a in enumerate(args)]
    pairs += list(kwargs.items())
    shown, listed = [], []
    for i, (name, value) in enumerate(pairs):
        if _inline(value):
            shown.append(f"{name}={show(value)}")
        else:
            shown.append(name if i < len(args) else f"{name}={name}")
            listed.append(f"- `{name}` = `{show(value, width)}`")
    head = f"`{function}({', '.join(shown)})`"
    return head + (" with\n" + "\n".join(listed) if listed else "")
