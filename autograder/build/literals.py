"""Plain data as Python source for the generated public test files: inputs and expected values
as literals (floats with every digit, so a rebuild gives the same bytes), broken over lines that
fit :data:`WIDTH`."""
from __future__ import annotations

import json
import math
import textwrap

import numpy as np

WIDTH = 99  # longest line the generated files aim for


def _dtype(dtype: np.dtype) -> str:
    return "np.bool_" if dtype.kind == "b" else f"np.{dtype.name}"


def _float(x: float) -> str:
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else 'float("-inf")'
    return repr(x)  # the shortest text that reads back as the same float


def _scalar(x) -> str:
    if isinstance(x, float):
        return _float(x)
    return repr(x)


def one_line(value) -> str:
    """``value`` as a Python expression on one line (numpy as ``np``)."""
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return json.dumps(value)  # ASCII, double quotes, valid Python
    if isinstance(value, np.bool_):
        return f"np.bool_({bool(value)})"
    if isinstance(value, np.integer):
        return f"{_dtype(value.dtype)}({int(value)})"
    if isinstance(value, np.floating):
        return f"{_dtype(value.dtype)}({_float(float(value))})"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return f"np.array({_scalar(value.item())}, dtype={_dtype(value.dtype)})"
        if value.size == 0 or not value.any():
            return f"np.zeros({value.shape!r}, dtype={_dtype(value.dtype)})"
        return f"np.array({one_line(value.tolist())}, dtype={_dtype(value.dtype)})"
    if isinstance(value, list):
        return "[" + ", ".join(one_line(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(one_line(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{one_line(k)}: {one_line(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"expected plain data (numbers, strings, arrays, lists, tuples, dicts) in "
                    f"a public case, got {type(value).__name__}")


def _is_flat(values) -> bool:
    return all(not isinstance(v, (list, tuple, dict, np.ndarray)) for v in values)


def literal(value, indent: int = 0, start: int | None = None, reserve: int = 0) -> str:
    """``value`` as a Python expression that starts at column ``start`` (default ``indent``) and
    is followed by ``reserve`` characters on its last line, broken over lines indented by
    ``indent`` + 4 when one line would be longer than WIDTH."""
    start = indent if start is None else start
    one = one_line(value)
    if start + len(one) + reserve <= WIDTH:
        return one
    pad, end = " " * (indent + 4), " " * indent
    if isinstance(value, str):
        pieces = textwrap.wrap(value, WIDTH - indent - 8, drop_whitespace=False,
                               break_on_hyphens=False)
        assert "".join(pieces) == value
        return "(\n" + "".join(f"{pad}{json.dumps(p)}\n" for p in pieces) + end + ")"
    if isinstance(value, np.ndarray) and value.ndim > 0 and value.any():
        opening, closing = "np.array(", f", dtype={_dtype(value.dtype)})"
        return (opening + literal(value.tolist(), indent, start + len(opening),
                                  reserve + len(closing)) + closing)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = f"{pad}{one_line(k)}: "
            items.append(f"{key}{literal(v, indent + 4, len(key), 1)},")
        return "{\n" + "\n".join(items) + "\n" + end + "}"
    if isinstance(value, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        if _is_flat(value):  # numbers: as many to a line as fit
            lines, line = [], ""
            for text in (one_line(v) + "," for v in value):
                if line and len(pad) + len(line) + 1 + len(text) > WIDTH:
                    lines.append(line)
                    line = text
                else:
                    line = f"{line} {text}" if line else text
            lines.append(line)
            body = "\n".join(pad + line for line in lines)
        else:
            body = "\n".join(f"{pad}{literal(v, indent + 4, reserve=1)}," for v in value)
        return opening + "\n" + body + "\n" + end + closing
    return one
