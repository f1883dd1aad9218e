"""What goes to the worker and what comes back from it, as values: a call's arguments encoded, a
call's identity (:func:`call_key`) and a reply read as untrusted data (:func:`read_reply`)."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.engine import wire
from autograder.engine.api import CallResult, TensorValue, TorchTensor
from autograder.engine.scrub import scrub


def encode_arg(value: Any) -> Any:
    if isinstance(value, TorchTensor):
        return {"__torch_arg__": [wire._array(value.array), value.requires_grad, value.device]}
    if isinstance(value, (list, tuple)):
        encoded = [encode_arg(v) for v in value]
        return encoded if isinstance(value, list) else {"__tuple__": encoded}
    if isinstance(value, dict):
        return {"__dict__": [[k, encode_arg(v)] for k, v in value.items()]}
    return wire.encode(value, exact_ints=True)  # a Python int of any size is an argument


def call_key(value: Any) -> Any:
    """What a call (function, args, kwargs, flags) is, as a hashable value that is equal only
    for calls whose requests are byte-identical (arrays by dtype, shape and bytes; floats by
    their exact hex, so -0.0 is not 0.0), without encoding it; None for anything else (such a
    call is matched by its encoded request)."""
    kind = type(value)
    if kind is np.ndarray:
        return ("a", value.dtype.str, value.shape, value.tobytes())
    if kind is float:
        return ("f", value.hex())
    if value is None or kind in (bool, int, str):
        return (kind.__name__, value)
    if isinstance(value, np.generic):
        return ("g", value.dtype.str, value.tobytes())
    if kind in (tuple, list):
        items = tuple(call_key(v) for v in value)
        return None if None in items else (kind.__name__, items)
    if kind is dict:
        items = tuple((k, call_key(v)) for k, v in value.items())
        return None if any(k is None for _, k in items) else ("d", items)
    return None


def text(value: Any, limit: int = 2000) -> str:
    return scrub(str(value)[:limit])


def _scrubbed(value: Any) -> Any:
    """Strings cut to 2000 characters (no answer is text) and scrubbed, at any depth."""
    if type(value) is str:
        return text(value)
    if type(value) in (list, tuple):
        items = [_scrubbed(v) for v in value]
        return items if type(value) is list else tuple(items)
    if type(value) is dict:
        return {text(k): _scrubbed(v) for k, v in value.items()}
    return value


def _decode(obj: Any) -> Any:
    """A value from the worker: plain data, every string in it scrubbed (see scrub.py)."""
    return _scrubbed(wire.decode(obj, tensor_value=lambda a, device, dtype, rg: TensorValue(
        a, text(device, 100), text(dtype, 100), rg)))


def _shared(value: Any) -> tuple:
    """The worker's list of shared arrays, checked: (str, int or str, str) triples only."""
    if not isinstance(value, list):
        raise TypeError("a list of shared arrays that is not a list")
    out = []
    for item in value[:8]:
        if not (isinstance(item, list) and len(item) == 3 and type(item[0]) is str
                and type(item[1]) in (int, str) and type(item[2]) is str):
            raise TypeError("a shared array that is not (path, argument, path)")
        where = item[1] if type(item[1]) is int else text(item[1], 100)
        out.append((text(item[0], 200), where, text(item[2], 200)))
    return tuple(out)


def read_reply(reply: dict) -> CallResult | tuple[str, str, str]:
    """The decoded value, or (kind, exception type, message) of a student-side error; raises
    on anything else (the caller counts that as a crash of the worker)."""
    error = reply.get("error")
    if error is not None:
        kind, exc_type, message = error["kind"], error["type"], error["message"]
        if not all(type(x) is str for x in (kind, exc_type, message)):
            raise TypeError("an error that is not text")
        return kind, text(exc_type, 200), text(message)
    return CallResult(value=_decode(reply["value"]),
                      args=_decode(reply["args"]) if "args" in reply else (),
                      grads=tuple(_decode(reply["grads"])) if "grads" in reply else (),
                      shared=_shared(reply.get("shared", [])))
