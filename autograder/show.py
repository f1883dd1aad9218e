"""How a student's value is shown and compared in feedback, on every path: the hidden tests
(``autograder/hidden/calls.py``), the public checks (``assignments/lecture16/public_cases.py``)
and the student release's check files, into which ``autograder/build/public_tests.py`` copies
this module's source (the release has no autograder package). So: numpy and the standard
library only, no import from autograder, Python 3.10, ASCII, and no angle brackets in what it
writes (otter shows a check's failure as HTML).

``show(value)`` is a short, deterministic text that pastes back into a notebook
(``np.array([1.0, 2.0])``, every digit that matters), or a summary with shape, dtype and range
when the values do not fit; ``describe(value)`` says what a value is ("a float64 array of shape
(2, 3)"); ``compare(expected, got)`` says what differs (type, shape, dtype kind, values within
rtol/atol with nan equal to nan, the first differing element) or returns None.
"""
import numpy as np


def number(x):
    """A number as Python writes it (``0.6931471805599453``, ``3``, ``True``, ``nan``), whatever
    its numpy type (a float32 with its own shortest digits: ``0.1``)."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x[()]
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    return str(x) if isinstance(x, np.generic) else repr(x)


def _is_number(x):
    """A single real number: int, float, numpy integer/float scalar or 0-d array (not bool)."""
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (int, float, np.integer, np.floating)):
        return True
    return isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind in "iuf"


def clip(text, limit=300):
    """Text for feedback: at most ``limit`` characters, no angle brackets."""
    text = str(text).replace("<", "(").replace(">", ")")
    return text if len(text) <= limit else text[:limit - 4] + " ..."


def _tensor_array(value):
    """The values of a torch tensor as the grader holds it (an object with ``.array`` and
    ``.device``), else None."""
    array = getattr(value, "array", None)
    return array if isinstance(array, np.ndarray) and hasattr(value, "device") else None


def show(value, width=300, max_elements=16):
    """A short, deterministic text for a value: code-like when it fits in ``width``
    (``np.array([1.0, 2.0])``), else shape and dtype with the value range for arrays;
    containers item by item (at most ``max_elements`` of them), cut at ``width``."""
    return clip(_show(value, width, max_elements, 0), width)


def _show(value, width, max_elements, depth):
    if depth > 4 and isinstance(value, (dict, list, tuple)):
        return "[...]" if isinstance(value, list) else "(...)" if isinstance(value, tuple) \
            else "{...}"

    def nested(item):
        return _show(item, width, max_elements, depth + 1)

    if isinstance(value, np.ndarray):
        return _show_array(value, width)
    if _tensor_array(value) is not None:
        details = [f"{key} {getattr(value, key)}" for key in ("dtype", "device")
                   if getattr(value, key, "auto") != "auto"]
        if getattr(value, "requires_grad", False):
            details.append("requires_grad=True")
        return f"tensor {nested(value.array)}" + (f" ({', '.join(details)})" if details else "")
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
    return f"a {type(value).__name__} object"


def _elements(a):
    """Nested lists of each element's shortest exact text (``0.1``, ``-2.5e-05``, ``True``)."""
    return number(a) if a.ndim == 0 else "[" + ", ".join(_elements(row) for row in a) + "]"


def _show_array(a, width):
    if a.size == 0:
        return f"np.zeros({a.shape}, dtype=np.{a.dtype})"
    if a.size <= 64:
        dtype = "" if a.dtype in (np.float64, np.int64, np.bool_) else f", dtype=np.{a.dtype}"
        text = f"np.array({_elements(a)}{dtype})"
        if len(text) <= width:
            return text
    text = f"{a.dtype} array of shape {a.shape}"
    if a.dtype.kind == "b":
        return text + f", {int(a.sum())} of them True"
    if a.dtype.kind not in "iuf":
        return text
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a
    if finite.size and bool(np.all(a == a.flat[0])):
        return text + f", all {number(a.flat[0])}"
    if finite.size:  # a range in 6 significant digits: a summary, the values did not fit
        low, high = (repr(float(f"{x:.6g}")) if a.dtype.kind == "f" else number(x)
                     for x in (finite.min(), finite.max()))
        text += f", values from {low} to {high}"
    if finite.size < a.size:
        text += f", {a.size - finite.size} of them nan or inf"
    return text


def describe(value):
    """What a value is, in words: "a float64 array of shape (2, 3)", "a tuple of 2 items",
    "a numpy float32 scalar", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):  # "an int64 array", "a float64 array"
        article = "an" if value.dtype.name[0] in "aeiou" else "a"
        return f"{article} {value.dtype} array of shape {value.shape}"
    if isinstance(value, np.generic):
        return f"a numpy {value.dtype} scalar"
    if _tensor_array(value) is not None:
        dtype = getattr(value, "dtype", value.array.dtype)
        return f"a {dtype} tensor of shape {value.array.shape} on {value.device}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} item" + ("" if len(value) == 1 else "s")
    if isinstance(value, dict):
        return f"a dict with the keys {show(list(value), 150)}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):  # a torch.Tensor, say
        kind = type(value)
        return (f"a {kind.__module__.split('.')[0]}.{kind.__qualname__} of shape "
                f"{tuple(value.shape)} and dtype {value.dtype}")
    return clip(f"a {type(value).__name__}")


def differing(expected, got, rtol=0.0, atol=0.0):
    """The indices (as ``np.argwhere`` gives them) where the array ``got`` differs from
    ``expected`` (of the same shape): bool and integer values exactly (a bool's truth is
    ``got != 0``), floats within ``atol + rtol * |expected|`` with nan equal to nan, or exactly
    as ``==`` says without a tolerance."""
    if expected.dtype.kind == "b":
        return np.argwhere((got != 0) != expected)
    if expected.dtype.kind in "iu" or not (rtol or atol):
        return np.argwhere(got != expected)
    return np.argwhere(~np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True))


def wrong_values(expected, got, rtol=0.0, atol=0.0):
    """None when the array ``got`` equals ``expected`` (see ``differing``), else where they
    first differ and how many entries do: "at index [1, 0] expected 0.5, got 0.25 (3 of 9
    entries differ beyond rtol=1e-06, atol=1e-08)"."""
    bad = differing(expected, got, rtol, atol)
    if not len(bad):
        return None
    first = tuple(int(i) for i in bad[0])
    at = f"at index {list(first)} " if first else ""
    tolerance = f" beyond rtol={rtol:g}, atol={atol:g}" if expected.dtype.kind == "f" and (
        rtol or atol) else ""
    return (f"{at}expected {number(expected[first])}, got {number(got[first])} ({len(bad)} of "
            f"{expected.size} entries differ{tolerance})")


def _compare_arrays(expected, got, rtol, atol, where):
    if not isinstance(got, np.ndarray):
        return (f"{where} should be a numpy array of shape {expected.shape} and dtype "
                f"{expected.dtype}, but got {describe(got)}.")
    if got.shape != expected.shape:
        return f"{where} should have shape {expected.shape}, but got shape {got.shape}."
    kind = expected.dtype.kind
    if kind == "b" and got.dtype.kind != "b":
        return f"{where} should be a bool array (True/False), but its dtype is {got.dtype}."
    if kind in "iu" and got.dtype.kind not in "iu":
        return (f"{where} should have an integer dtype (token ids, like int64), but its dtype "
                f"is {got.dtype}.")
    if kind == "f" and got.dtype.kind != "f":
        return f"{where} should have a float dtype (like float64), but its dtype is {got.dtype}."
    problem = wrong_values(expected, got, rtol, atol)
    if problem is None:
        return None
    problem = f"{where} has wrong values: {problem}."
    if kind == "f" and np.isfinite(expected).all() and not np.isfinite(got).all():
        problem += (" A nan or inf where a finite number belongs usually means exp overflowed "
                    "(subtract the max first).")
    return problem


def _compare_scalars(expected, got, rtol, atol, where):
    if not _is_number(got):
        return (f"{where} should be a single number (a float, a numpy scalar or a 0-d array), "
                f"but got {describe(got)}.")
    want, have = np.asarray(expected), np.asarray(got)
    if want.dtype.kind in "iu":
        if have.dtype.kind not in "iu":
            return f"{where} should be an integer ({number(want)}), but got {describe(got)}."
        if int(have) != int(want):
            return f"{where} should be {number(want)}, but got {number(have)}."
        return None
    if bool(np.isclose(float(have), float(want), rtol=rtol, atol=atol, equal_nan=True)):
        return None
    return (f"{where} should be {number(want)}, but got {number(have)} "
            f"(they differ beyond rtol={rtol:g}, atol={atol:g}).")


def compare(expected, got, rtol=1e-6, atol=1e-8, where="the result"):
    """None when ``got`` agrees with ``expected``, else one paragraph saying what differs.

    Dicts key by key (extra keys in ``got`` are fine), tuples/lists item by item, arrays by type,
    shape, dtype kind and values (exact for bool/int, isclose with nan == nan for floats), scalars
    as numbers, a bool (an observation such as ``viewsN``) as a bool. ``where`` names the
    compared value in the message.
    """
    if isinstance(expected, (bool, np.bool_)):
        if isinstance(got, (bool, np.bool_)) and bool(got) == bool(expected):
            return None
        return f"{where}: expected {bool(expected)}, got {show(got, 60)}."
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return (f"{where} should be a dict with the keys {show(list(expected))}, but got "
                    f"{describe(got)}.")
        missing = [key for key in expected if key not in got]
        if missing:
            return (f"{where} should have the keys {show(list(expected))}, but "
                    f"{show(missing)} missing (its keys: {show(list(got))}).")
        for key in expected:
            problem = compare(expected[key], got[key], rtol, atol, f"{where}[{key!r}]")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, (tuple, list)):
        kind = type(expected).__name__
        if not isinstance(got, (tuple, list)):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{describe(got)}.")
        if len(got) != len(expected):
            return (f"{where} should be a {kind} of {len(expected)} items, but got "
                    f"{len(got)} items.")
        for i, (want, have) in enumerate(zip(expected, got)):
            problem = compare(want, have, rtol, atol, f"{where}[{i}]")
            if problem is not None:
                return problem
        return None
    if expected is None:
        return None if got is None else f"{where} should be None, but got {describe(got)}."
    if isinstance(expected, np.ndarray) and expected.ndim > 0:
        return _compare_arrays(expected, got, rtol, atol, where)
    return _compare_scalars(expected, got, rtol, atol, where)
