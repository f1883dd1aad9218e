"""The wire format between the grader and the worker: JSON, with arrays as raw bytes.

Standard library and numpy only (the worker imports this file on its own, as a sibling script).
Nothing is ever unpickled: an array is ``{"__array__": [dtype, shape, base64]}`` and is decoded
with ``np.frombuffer`` after its dtype is checked against a whitelist of plain numeric kinds, so
decoding what the worker sends cannot run any code in the grader.

    value              encoded as
    None/bool/float/str  itself (NaN and infinities as JSON's NaN/Infinity)
    int                itself within 64 bits, else a float; past float64, an error
                       (grader -> worker, ``exact_ints``: {"__int__": digits} past 64 bits)
    list               a JSON list
    tuple              {"__tuple__": [...]}
    dict (str keys)    {"__dict__": [[key, value], ...]}
    numpy array        {"__array__": [dtype.str, shape, base64 bytes]}
    numpy scalar       {"__scalar__": [dtype.str, base64 bytes]}
    torch tensor       {"__tensor__": [array, device, dtype, requires_grad]}   (worker -> grader)
    TorchTensor arg    {"__torch_arg__": [array, requires_grad, device]}        (grader -> worker)
"""
from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any, Callable

import numpy as np

ALLOWED_KINDS = "biuf"  # bool, signed and unsigned integers, floats
MAX_DEPTH = 32
MAX_MESSAGE = 256 * 2 ** 20  # bytes
HEADER = struct.Struct("!Q")
FLOAT_MAX_INT = int(np.finfo(np.float64).max)


class WireError(Exception):
    """A value cannot be encoded, or a message is not in the wire format."""


# ----------------------------------------------------------------------------- encoding
def _array(a):
    a = np.asarray(a)
    if not a.flags.c_contiguous:
        a = a.copy(order="C")  # not np.ascontiguousarray: it turns 0-d arrays into 1-d ones
    if a.dtype.kind not in ALLOWED_KINDS or a.dtype.hasobject:
        raise WireError(f"an array of dtype {a.dtype} (expected numbers or booleans)")
    data = base64.b64encode(a.tobytes()).decode("ascii")
    return {"__array__": [a.dtype.str, list(a.shape), data]}


def _integer(value, exact: bool = False):
    """An int as it crosses: itself within 64 bits; past them, the float64 that numpy would
    compare it as (JSON could carry its digits, but the grader's arrays cannot), or with
    ``exact`` (an argument the grader sends: Python ints of any size are in a function's
    domain) its digits; past float64's range, an error (the student's: "returned an integer
    too large for an array")."""
    if -2 ** 63 <= value < 2 ** 64:
        return value
    if abs(value) <= FLOAT_MAX_INT:
        return {"__int__": str(value)} if exact else float(value)
    raise WireError("an integer too large for an array (more than 309 digits)")


def encode(value: Any, tensor: Callable[[Any], Any] | None = None, depth: int = 0, *,
           exact_ints: bool = False) -> Any:
    """``value`` as JSON-able data. ``tensor(value)`` handles torch tensors (worker side) and
    returns None for anything that is not one; ``exact_ints``: ints past 64 bits keep their
    digits (the grader's arguments, the case book)."""
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int:
        return _integer(value, exact_ints)
    if type(value) is float:
        return value
    if isinstance(value, np.ndarray):
        return _array(np.asarray(value))
    if isinstance(value, np.generic):
        if value.dtype.kind not in ALLOWED_KINDS:
            raise WireError(f"a numpy scalar of dtype {value.dtype}")
        return {"__scalar__": [value.dtype.str, base64.b64encode(value.tobytes()).decode("ascii")]}
    if type(value) is list:
        return [encode(v, tensor, depth + 1, exact_ints=exact_ints) for v in value]
    if type(value) is tuple:
        return {"__tuple__": [encode(v, tensor, depth + 1, exact_ints=exact_ints) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise WireError("a dict whose keys are not all strings")
        return {"__dict__": [[k, encode(v, tensor, depth + 1, exact_ints=exact_ints)]
                             for k, v in value.items()]}
    if tensor is not None:
        encoded = tensor(value)
        if encoded is not None:
            return encoded
    raise WireError(f"an object of type {type(value).__name__}")


def dumps(message: Any) -> bytes:
    """A message (already encoded) as framed bytes."""
    body = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    return HEADER.pack(len(body)) + body


# ----------------------------------------------------------------------------- decoding
def _decode_array(spec):
    dtype_str, shape, data = spec
    dtype = np.dtype(str(dtype_str))
    if dtype.kind not in ALLOWED_KINDS or dtype.hasobject:
        raise WireError(f"dtype {dtype_str!r} is not allowed")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError("a bad array shape")
    raw = base64.b64decode(data, validate=True)
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise WireError("array bytes do not match the shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def decode(obj: Any, *, tensor_value: Callable[..., Any] | None = None,
           torch_arg: Callable[..., Any] | None = None, depth: int = 0,
           exact_ints: bool = False) -> Any:
    """The inverse of :func:`encode`. ``tensor_value(array, device, dtype, requires_grad)``
    builds what a ``__tensor__`` becomes; ``torch_arg(array, requires_grad, device)`` what a
    ``__torch_arg__`` becomes (each side passes only the one it accepts); ``exact_ints``
    accepts an ``__int__`` (the worker's arguments, the case book; never the worker's
    replies)."""
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if type(obj) is list:
        return [decode(v, tensor_value=tensor_value, torch_arg=torch_arg, depth=depth + 1,
                       exact_ints=exact_ints) for v in obj]
    if type(obj) is not dict or len(obj) != 1:
        raise WireError("an object that is not in the wire format")
    (tag, body), = obj.items()
    again = lambda v: decode(v, tensor_value=tensor_value, torch_arg=torch_arg,  # noqa: E731
                             depth=depth + 1, exact_ints=exact_ints)
    if tag == "__array__":
        return _decode_array(body)
    if tag == "__scalar__":
        dtype_str, data = body
        return _decode_array([dtype_str, [], data])[()]
    if tag == "__int__" and exact_ints:
        if type(body) is not str or len(body) > 320 or not body.lstrip("-").isdigit():
            raise WireError("a bad integer")
        return int(body)
    if tag == "__tuple__":
        return tuple(again(v) for v in body)
    if tag == "__dict__":
        if not all(type(pair) is list and len(pair) == 2 and type(pair[0]) is str for pair in body):
            raise WireError("a bad dict")
        return {k: again(v) for k, v in body}
    if tag == "__tensor__" and tensor_value is not None:
        array, device, dtype, requires_grad = body
        return tensor_value(_decode_array(array["__array__"]), str(device), str(dtype),
                            bool(requires_grad))
    if tag == "__torch_arg__" and torch_arg is not None:
        array, requires_grad, device = body
        return torch_arg(_decode_array(array["__array__"]), bool(requires_grad), str(device))
    raise WireError(f"an unexpected tag {tag!r}")


def loads(body: bytes) -> Any:
    """A message body (bytes) as JSON data (not yet decoded)."""
    return json.loads(body.decode("utf-8"))


def read_message(read_exactly: Callable[[int], bytes | None],
                 limit: int = MAX_MESSAGE) -> Any:
    """One framed message of at most ``limit`` bytes, with ``read_exactly(n) -> bytes``; None
    at end of stream."""
    header = read_exactly(HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > limit:
        raise WireError(f"a message of {size} bytes (at most {limit})")
    body = read_exactly(size)
    if body is None:
        return None
    return loads(body)


# ----------------------------------------------------------------------------- shared memory
def _arrays_in(value, path, out, depth=0):
    """(path, array) of the numpy arrays in ``value`` (plain lists, tuples and dicts only)."""
    if len(out) >= 256 or depth > 8:
        return
    if isinstance(value, np.ndarray):
        out.append((path, value))
    elif type(value) in (list, tuple):
        for i, v in enumerate(value[:256]):
            _arrays_in(v, f"{path}[{i}]", out, depth + 1)
    elif type(value) is dict:
        for k, v in list(value.items())[:256]:
            _arrays_in(v, f"{path}[{k!r}]", out, depth + 1)


def shared_arrays(value, args, kwargs, limit=8):
    """[path in the result, argument, path in it] for each numpy array in ``value`` whose
    memory overlaps a numpy array in the arguments (the input itself, or a view of it); the
    argument is its position (int) or keyword (str). Empty arrays share nothing."""
    outputs, found = [], []
    _arrays_in(value, "", outputs)
    outputs = [(p, a) for p, a in outputs if a.size]
    if not outputs:
        return found
    named = [(i, a) for i, a in enumerate(args)] + [(k, a) for k, a in kwargs.items()]
    for where, arg in named:
        inputs = []
        _arrays_in(arg, "", inputs)
        for out_path, out in outputs:
            for in_path, a in inputs:
                if a.size and np.may_share_memory(out, a) and len(found) < limit:
                    found.append([out_path, where, in_path])
    return found
