"""The shared pieces of the hidden tests: declaring a test, running it, writing its message.

A question module declares its ideas (:mod:`autograder.hidden.ideas`: the concepts, with their
weights) and its tests with :func:`hidden_test`, one property per test::

    @hidden_test(question="q3_cross_entropy", idea="formula",
                 description="cross_entropy matches the reference on random logits",
                 functions=("cross_entropy",), hint="...", given=logits_and_targets())
    def ce_matches(s, case):
        logits, targets, _ = case
        got = s("cross_entropy", logits, targets)  # the student's function, in the worker
        s.expect_scalar(got, reference.cross_entropy(logits, targets), "the mean loss")

A failure carries its :class:`Status` and :class:`Kind` (nan, shape, dtype, changed input, a
wrong value): the hint shown is the test's own for the property it checks, else the one for what
actually went wrong (``hints`` overrides it per kind, :data:`KIND_HINTS` are the defaults).

``s`` is a :class:`Calls`: it calls the student's functions, remembers the last call (for the
message) and turns every problem into a :class:`TestFailure` whose message says what was
called with which input, what was expected and what came back. ``given`` is a hypothesis
strategy: hypothesis draws its inputs once (:mod:`autograder.hidden.cases`), every grading
replays them, and hypothesis shrinks a failure to the smallest input. ``cases`` is a list of
fixed inputs tried in order; with neither the check runs once.

The grader never imports torch: torch-track values arrive as :class:`TensorValue`.
"""
from __future__ import annotations

import copy
import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, NoReturn, Sequence

import numpy as np

from autograder.hidden import callees, cases
from autograder.questions import PACKAGE
from autograder.hidden.strategies import nps, st, strategy
from autograder.engine.api import (BadReturn, CallResult, HiddenTest, Kind, MissingFunction,
                                   Status, Student, StudentError, StudentRaised, TensorValue,
                                   TestFailure, TorchTensor)

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")  # memory addresses in a student's error message

MESSAGE_LIMIT = 2000
"""longest failure message (characters); the inputs are shortened to fit"""

RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 1e-2}
"""relative tolerance by the dtype of the inputs (the absolute one is RTOL * a scale of the
inputs' magnitude)"""

# the spec's parameter names, to show a call as ``cross_entropy(logits, targets, ...)``
PARAMS: dict[str, tuple[str, ...]] = {
    "chunk_tokens": ("docs", "block_size", "eos_id"),
    "next_token_pairs": ("blocks",),
    "causal_mask": ("T",),
    "causal_attention": ("q", "k", "v"),
    "log_softmax": ("logits",),
    "cross_entropy": ("logits", "targets", "ignore_index", "reduction"),
    "cross_entropy_grad": ("logits", "targets", "ignore_index"),
    "perplexity": ("logits", "targets", "ignore_index"),
    "corpus_perplexity": ("losses", "counts"),
    "global_grad_norm": ("grads",),
    "clip_grad_norm": ("grads", "max_norm"),
    "init_adamw_state": ("params",),
    "adamw_step": ("params", "grads", "state", "lr", "betas", "eps", "weight_decay",
                   "max_grad_norm"),
    "warmup_cosine_lr": ("step", "max_lr", "warmup_steps", "total_steps", "min_lr"),
    "sft_example": ("prompt_ids", "response_ids", "eos_id", "ignore_index"),
    "pad_batch": ("examples", "pad_id", "ignore_index"),
    "training_flops": ("n_params", "n_tokens"),
    "chinchilla_optimal": ("flops", "tokens_per_param"),
    "fit_power_law": ("x", "y"),
    "accumulate_gradients": ("grads", "counts"),
    "preference_loss": ("r_chosen", "r_rejected"),
    "dpo_loss": ("policy_chosen_logp", "policy_rejected_logp", "ref_chosen_logp",
                 "ref_rejected_logp", "beta"),
    "cross_entropy_torch": ("logits", "targets", "ignore_index"),
    "causal_attention_torch": ("q", "k", "v"),
    "clip_grad_norm_torch_": ("grads", "max_norm"),
    "init_adamw_state_torch": ("params",),
    "adamw_step_torch_": ("params", "grads", "state", "lr", "betas", "eps", "weight_decay"),
}


# ----------------------------------------------------------------------------- strategies
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


# ----------------------------------------------------------------------------- formatting
def _array_text(a: np.ndarray) -> str:
    # nested lists of each element's shortest exact text ("0.1", "-2.5e-05", "True", "3")
    if a.ndim == 0:
        x = a[()]
        return str(bool(x)) if a.dtype.kind == "b" else str(x)
    return "[" + ", ".join(_array_text(row) for row in a) + "]"


def _number(x) -> str:
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
                desc += f", values from {_number(finite.min())} to {_number(finite.max())}"
            if finite.size < value.size:
                desc += f", {value.size - finite.size} of them nan or inf"
        return desc + ">"
    if isinstance(value, (TensorValue, TorchTensor)):
        inner = nested(np.asarray(value.array))
        if isinstance(value, TensorValue):
            return f"tensor {inner} (dtype {value.dtype}, device {value.device})"
        return f"tensor {inner}" + (" (requires_grad=True)" if value.requires_grad else "")
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}({_number(value)})"
    if isinstance(value, (bool, int, float)):
        return _number(value)
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


# ----------------------------------------------------------------------------- checking
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


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (isinstance(after, np.ndarray) and before.shape == after.shape
                and before.dtype == after.dtype
                and bool(np.array_equal(before, after, equal_nan=before.dtype.kind == "f")))
    if isinstance(before, (TorchTensor, TensorValue)):
        return isinstance(after, TensorValue) and _same(np.asarray(before.array),
                                                        np.asarray(after.array))
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            _same(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return isinstance(after, (list, tuple)) and len(before) == len(after) and all(
            _same(b, a) for b, a in zip(before, after))
    return type(before) is type(after) and before == after


def _kind_of(got: Any, expected: Any) -> str:
    """NAN when a finite number was expected and got is nan or inf, else VALUE."""
    try:
        if np.isfinite(expected) and not np.isfinite(got):
            return Kind.NAN
    except TypeError:
        pass
    return Kind.VALUE


def _numbers(value: Any, path: str):
    """(where, value) of every array or number inside ``value``."""
    if isinstance(value, TensorValue):
        value = value.array
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}[{k!r}]")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}[{i}]")
    elif isinstance(value, (np.ndarray, np.number, int, float)) and not isinstance(value, bool) \
            and np.asarray(value).dtype.kind in "biufc":
        yield path, value
    else:
        yield path, None  # not a number


class Calls:
    """Calls the student's functions for one test and writes the failure messages.

    Every method that checks something raises :class:`TestFailure` when the check fails; its
    message starts with the last call (function and inputs).
    """

    def __init__(self, student: Student):
        self.student = student
        self.last: tuple[str, tuple, dict] | None = None
        self.history: list[tuple[str, tuple, dict]] = []
        """every call made, in order (a failure may come from comparing two of them)"""
        self.context = ""
        """a line shown before the call, e.g. "At step 2 of 3 ..." (tests set it)"""

    # ---- calling
    def __call__(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self.ex(function, *args, **kwargs).value

    def ex(self, function: str, *args: Any, return_args: bool = False, backward: bool = False,
           raised_ok: bool = False, **kwargs: Any) -> CallResult | None:
        """``student.call_ex``: with the arguments after the call and/or autograd gradients.
        ``raised_ok``: None when the function raises an error (not NotImplementedError), for a
        test whose property a call that raises cannot show (inputs unchanged): the tests of the
        values charge the error."""
        self.last = (function, args, kwargs)
        self.history.append(self.last)
        try:
            return self.student.call_ex(function, args, kwargs, return_args=return_args,
                                        backward=backward)
        except StudentRaised as e:
            if not raised_ok or e.exc_type == "NotImplementedError":
                self._raised(function, e)
            return None
        except MissingFunction:
            raise TestFailure(f"Your submission does not define the function `{function}` (or "
                              "it is not a function). Check its name and that its cell ran.",
                              Status.MISSING, function=function) from None
        except BadReturn as e:
            self.fail(f"It returned a value the grader cannot read: "
                      f"{_ADDRESS.sub('0x...', e.message)}", kind=Kind.TYPE)
        except StudentError as e:  # any other student-side problem the engine reports
            self.fail(_ADDRESS.sub("0x...", e.message), status=Status.RAISED)

    def _raised(self, function: str, e: StudentRaised) -> NoReturn:
        detail = _ADDRESS.sub("0x...", e.detail)  # same message on every run
        if e.exc_type == "NotImplementedError":
            raise TestFailure(f"`{function}` is not written yet: it still raises "
                              "`NotImplementedError`.", Status.NOT_IMPLEMENTED,
                              function=function) from None
        self.fail(f"It raised `{e.exc_type}: {detail}`.", status=Status.RAISED)

    # ---- failing
    def called(self, width: int = 300) -> str:
        if self.last is None:
            return ""
        function, args, kwargs = self.last
        return "Called " + format_call(function, args, kwargs, width)

    def fail(self, detail: str, kind: str = Kind.VALUE, status: str = Status.WRONG) -> NoReturn:
        """Raise a TestFailure: the context line, the last call and ``detail``; ``kind`` says
        what was wrong (it chooses the hint)."""
        parts = [self.context, self.called(), detail]
        message = "\n\n".join(p for p in parts if p)
        if len(message) > MESSAGE_LIMIT - 400:  # shorten the inputs, keep the detail
            parts[1] = self.called(width=80)
            message = "\n\n".join(p for p in parts if p)
        raise TestFailure(message, status, kind if status == Status.WRONG else "",
                          self.last[0] if self.last else "")

    # ---- checks
    def expect_array(self, got: Any, expected: np.ndarray, what: str = "the result", *,
                     kind: str | None = None, rtol: float | None = None,
                     scale: float | None = None, exact: bool = False, values: bool = True,
                     fix: str = "") -> np.ndarray:
        """``got`` must be a numpy array of ``expected``'s shape equal to ``expected``
        (exactly, or within ``rtol`` relative plus ``rtol * scale`` absolute; scale: by default
        the expected magnitude, at least 1). Its dtype is not looked at unless ``kind`` is given
        ("f" float, "iu" integer, "b" bool: a dtype test's business); a bool expected compares
        with ``got != 0``. With ``values=False`` only the shape (and ``kind``) are checked."""
        expected = np.asarray(expected)
        if isinstance(got, TensorValue):
            got = got.array
        if expected.ndim == 0 and isinstance(got, (int, float, np.number)) and not isinstance(
                got, bool):
            got = np.asarray(got)  # a scalar is as good as a 0-d array
        if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
            self.fail(f"Expected {what} to be a numpy array of shape {expected.shape}, "
                      f"got {describe(got)}: `{show(got)}`.", kind=Kind.TYPE)
        if got.shape != expected.shape:
            self.fail(f"Expected {what} of shape {expected.shape}, got shape {got.shape}.\n\n"
                      f"- expected: `{show(expected)}`\n- got: `{show(got)}`"
                      + (f"\n\n{fix}" if fix else ""), kind=Kind.SHAPE)
        if kind is not None:
            self.expect_dtype(got, kind, what)
        if not values:
            return got
        if expected.dtype.kind == "b":
            bad = (got != 0) != expected
        elif exact or expected.dtype.kind != "f":
            bad = got != expected
        else:
            rtol = 1e-6 if rtol is None else rtol
            scale = max(1.0, magnitude(expected)) if scale is None else scale
            bad = ~np.isclose(got, expected, rtol=rtol, atol=rtol * scale, equal_nan=True)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            at = f" at index [{', '.join(map(str, where))}]" if where else ""
            tolerance = "" if exact or expected.dtype.kind != "f" else \
                f" (tolerance: {rtol:g} relative plus {rtol * scale:.3g} absolute)"
            self.fail(f"Expected {what} = `{show(expected)}`\n\nGot `{show(got)}` "
                      f"({got.dtype}, shape {got.shape})\n\nFirst difference{at}: expected "
                      f"{_number(expected[where])}, got {_number(got[where])}{tolerance}."
                      + (f"\n\n{fix}" if fix else ""), kind=_kind_of(got[where], expected[where]))
        return got

    def expect_dtype(self, got: Any, kind: str, what: str = "the result", fix: str = "") -> None:
        """``got`` is a numpy array whose dtype is of this kind ("f", "iu", "b"); nothing else
        is looked at."""
        kinds = {"f": "a float", "iu": "an integer", "b": "a bool", "iuf": "a number"}
        if isinstance(got, TensorValue):
            got = got.array
        if not isinstance(got, np.ndarray):
            self.fail(f"Expected {what} to be a numpy array, got {describe(got)}: "
                      f"`{show(got)}`.", kind=Kind.TYPE)
        if got.dtype.kind not in kind:
            self.fail(f"Expected {what} to be {kinds.get(kind, 'a number')} array, got dtype "
                      f"{got.dtype}: `{show(got)}`." + (f"\n\n{fix}" if fix else ""),
                      kind=Kind.DTYPE)

    def array(self, got: Any, what: str = "the result", ndim: int | None = None) -> np.ndarray:
        """``got`` as a numeric numpy array (of ``ndim`` axes), for comparing a student's result
        with their own: anything else fails as the wrong type."""
        if isinstance(got, TensorValue):
            got = got.array
        if isinstance(got, (int, float, np.number)) and not isinstance(got, bool):
            got = np.asarray(got)
        if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf" or (
                ndim is not None and got.ndim != ndim):
            shape = "" if ndim is None else f" with {ndim} axes"
            self.fail(f"Expected {what} to be a numpy array of numbers{shape}, got "
                      f"{describe(got)}: `{show(got)}`.", kind=Kind.TYPE)
        return got

    def expect_finite(self, got: Any, what: str = "the result") -> None:
        """Every number in ``got`` (an array, a number, or lists/tuples/dicts of them) is
        finite; nothing else is looked at (but a value that holds no number fails)."""
        for path, value in _numbers(got, what):
            if value is None:
                self.fail(f"Expected {path} to be numbers, got `{show(got)}`.", kind=Kind.TYPE)
            a = np.asarray(value)
            if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
                at = f" at index [{', '.join(map(str, where))}]" if where else ""
                self.fail(f"Expected {path} to be finite, got {_number(a[where])}{at}: "
                          f"`{show(value)}`.", kind=Kind.NAN)

    def scalar(self, got: Any, what: str = "the result") -> float:
        """``got`` as a float: a Python number, a numpy scalar or a 0-d array (a 1-element 1-d
        array is not a single number)."""
        if isinstance(got, TensorValue):
            got = got.array
        if isinstance(got, np.ndarray) and got.ndim == 0 and got.dtype.kind in "iuf":
            return float(got)
        if isinstance(got, np.ndarray) and got.ndim > 0:
            self.fail(f"Expected {what} to be a single number, got {describe(got)}: "
                      f"`{show(got)}`. An array of shape {got.shape} is not a single number "
                      "(return `float(x)`, or `x.sum()` / `x.mean()` of the right thing).",
                      kind=Kind.SHAPE)
        if isinstance(got, (bool, np.bool_)) or not isinstance(
                got, (int, float, np.integer, np.floating)):
            self.fail(f"Expected {what} to be a single number, got {describe(got)}: "
                      f"`{show(got)}`.", kind=Kind.TYPE)
        return float(got)

    def expect_scalar(self, got: Any, expected: float, what: str = "the result", *,
                      rtol: float = 1e-6, scale: float | None = None, fix: str = "") -> float:
        """A single number within ``rtol`` (relative) and ``rtol * scale`` (absolute; scale by
        default ``max(1, |expected|)``); nan expected means nan."""
        value = self.scalar(got, what)
        expected = float(expected)
        scale = max(1.0, abs(expected)) if scale is None else scale
        if math.isnan(expected):
            ok = math.isnan(value)
        elif math.isinf(expected):
            ok = value == expected
        else:
            ok = abs(value - expected) <= rtol * abs(expected) + rtol * scale
        if not ok:
            tolerance = "" if math.isnan(expected) else f"; tolerance {rtol:g} relative"
            self.fail(f"Expected {what} = {_number(expected)}, got {_number(value)} "
                      f"({describe(got)}{tolerance})." + (f"\n\n{fix}" if fix else ""),
                      kind=_kind_of(value, expected))
        return value

    def either(self, judge: Callable[[], Any], relative: Callable[[], Any]) -> None:
        """A property judged against the reference, with the student's own answers as the
        excuse. ``judge()`` checks the student's answer against the reference's; when it fails,
        ``relative()`` checks the same property against the student's own answers on a related
        input (a shifted, sliced or kept-only copy). The failure is excused only when that
        passes *and* the tested function already failed a test of its own values in this
        grading (its other mistake, charged there, explains the difference): a student who
        remembers an earlier answer, or answers a second ask differently, cannot pass a property
        their first answer breaks. Tests using it run after their function's other tests."""
        try:
            judge()
        except TestFailure as failure:
            function = failure.function or (self.last[0] if self.last else "")
            if not callees.charged(self.student, function, callees.VALUE):
                raise
            saved = (self.context, self.last)
            try:
                relative()
            except TestFailure:
                raise failure from None
            finally:
                self.context, self.last = saved

    def expect_sequence(self, got: Any, n: int, what: str = "the result") -> list:
        """A tuple (or list) of ``n`` items."""
        if not isinstance(got, (tuple, list)) or len(got) != n:
            self.fail(f"Expected {what} to be a tuple of {n} values, got {describe(got)}: "
                      f"`{show(got)}`.", kind=Kind.TYPE)
        return list(got)

    def expect_dict(self, got: Any, keys: Iterable[str], what: str = "the result") -> dict:
        """A dict with (at least) these keys."""
        keys = list(keys)
        if not isinstance(got, dict):
            self.fail(f"Expected {what} to be a dict with keys {keys}, got {describe(got)}: "
                      f"`{show(got)}`.", kind=Kind.TYPE)
        missing = [k for k in keys if k not in got]
        if missing:
            self.fail(f"Expected {what} to have the keys {keys}; the key(s) {missing} are "
                      f"missing: got `{show(got)}`.", kind=Kind.TYPE)
        return got

    def expect_like(self, got: Any, expected: Any, what: str = "the result") -> None:
        """``got`` has the form of ``expected`` (the reference's result): the same tuples and
        dict keys, arrays of the same shape and dtype kind, single numbers where it has one.
        Values are not compared (other tests do that)."""
        if isinstance(expected, (tuple, list)):
            items = self.expect_sequence(got, len(expected), what)
            for i, (g, e) in enumerate(zip(items, expected)):
                self.expect_like(g, e, f"{what}[{i}]")
        elif isinstance(expected, dict):
            self.expect_dict(got, expected.keys(), what)
            for key, e in expected.items():
                self.expect_like(got[key], e, f"{what}[{key!r}]")
        elif isinstance(expected, np.ndarray) and expected.ndim > 0:
            kind = {"b": "b", "i": "iu", "u": "iu"}.get(expected.dtype.kind, "f")
            self.expect_array(got, expected, what, kind=kind, values=False)
        else:  # a single number
            self.scalar(got, what)

    def expect_unchanged(self, result: CallResult | None,
                         names: Sequence[str] | None = None) -> None:
        """The arguments after the call (``ex(..., return_args=True)``) equal those before, and
        no returned array shares memory with them (nothing to check when the call raised:
        ``result`` None)."""
        if result is None:
            return
        function, args, _ = self.last
        names = names or PARAMS.get(function, ())
        for i, (before, after) in enumerate(zip(args, result.args)):
            if not _same(before, after):
                name = names[i] if i < len(names) else f"argument {i + 1}"
                self.fail(f"`{function}` changed its input `{name}`: before the call it was "
                          f"`{show(before)}`, after the call it is `{show(after)}`.",
                          kind=Kind.CHANGED_INPUT)
        # the contract's other half: every function returns new arrays (a view of an input
        # changes when the caller changes the input, and the other way round)
        for out_path, where, in_path in result.shared:
            if isinstance(where, int):
                where = names[where] if where < len(names) else f"argument {where + 1}"
            self.fail(f"`{function}` returned an array (`result{out_path}`) that shares memory "
                      f"with its input `{where}{in_path}`: the input itself or a view of it (a "
                      "slice, `reshape`, `.T`), not a new array. Changing one changes the other.",
                      kind=Kind.SHARES_MEMORY)


# ----------------------------------------------------------------------------- declaring tests
@dataclass(frozen=True)
class Worked:
    """An explicit example with a note shown above the call when it fails (e.g. "The
    lecture's example: ...")."""

    case: Any
    note: str


KIND_HINTS = {
    Kind.NAN: "Your result holds nan or inf where a finite number belongs: look for `exp` of a "
              "large number (subtract the max first), `log(0)`, or a division by zero.",
    Kind.SHAPE: "Check the shape of what you return against the docstring: which axis you "
                "reduce or keep, and whether you return one number or an array.",
    Kind.DTYPE: "Check the dtype of what you return (`np.array(..., dtype=...)`, `.astype`).",
    Kind.TYPE: "Return what the docstring says: numpy arrays, numbers, a tuple or a dict of "
               "them, with the names it gives.",
    Kind.CHANGED_INPUT: "The inputs must stay as they were: compute new arrays (`x = x - m`) "
                        "instead of updating in place (`x -= m`, `x[...] = ...`, `.append`), "
                        "or work on a copy.",
    Kind.SHARES_MEMORY: "Return new arrays, not views of the inputs: add `.copy()` to a slice.",
    Kind.FLAKY: "Make sure your function does not use randomness or remember anything between "
                "calls (no global variables that change).",
}
"""the hint for a kind of failure when the test does not check that property itself"""

RAISED_HINT = ("Your function raised an error on this input (hypothesis shrank it to the "
               "smallest one it found): run it on that input in your notebook to see where.")


@dataclass(frozen=True)
class TestSpec:
    """A declared hidden test; :meth:`build` makes the engine's HiddenTest."""

    __test__ = False

    question: str
    description: str
    points: float | None
    """fixed points (a question without an ideas table), or None: from its idea's weight"""
    functions: tuple[str, ...]
    hint: str
    misconception: str
    check: Callable
    given: Any = None
    cases: tuple = ()
    examples: tuple = ()
    idea: str = ""
    """the key of the idea it checks in its module's ``IDEAS`` ("" : the test is its own idea)"""
    weight: float = 1.0
    """its share of its idea's points"""
    checks: str = Kind.VALUE
    """the property it checks (a :class:`Kind`): a failure of that kind gets ``hint``"""
    hints: tuple = ()
    """(kind, hint) pairs: the hint for a failure of another kind"""

    def hint_for(self, status: str, kind: str) -> str:
        """The hint for a failure with this status and kind."""
        if status == Status.NOT_IMPLEMENTED or status == Status.MISSING:
            return ""
        own = dict(self.hints)
        if status == Status.RAISED:
            return own.get(Status.RAISED, RAISED_HINT)
        if kind in own:
            return own[kind]
        if kind == Kind.SHARES_MEMORY and self.checks == Kind.CHANGED_INPUT:
            return self.hint  # the input itself returned, updated in place: the test's own hint
        if kind in (Kind.VALUE, Kind.SHAPE, self.checks) or status != Status.WRONG:
            return self.hint  # a wrong shape is a wrong value (a missing eos, a lost axis)
        return KIND_HINTS.get(kind, self.hint)

    def build(self, examples_per_test: int, *, shrink: bool = True, seed: int | None = None,
              points: float | None = None, idea: str = "") -> HiddenTest:
        """The engine's test; ``points`` and ``idea`` (its qualified id) from the ideas table."""
        return HiddenTest(question=self.question, description=self.description,
                          points=self.points if points is None else points,
                          functions=self.functions,
                          run=functools.partial(_run, self, examples_per_test, shrink, seed),
                          hint=self.hint, misconception=self.misconception,
                          idea=idea or f"{self.question}:{self.description}")


def hidden_test(*, question: str, description: str, points: float | None = None,
                functions: Sequence[str] = (), hint: str = "", misconception: str = "",
                idea: str = "", weight: float = 1.0, checks: str = Kind.VALUE,
                hints: dict | None = None, given: Any = None, cases: Sequence = (),
                examples: Sequence = ()) -> Callable[[Callable], TestSpec]:
    """Declare a hidden test (arguments by keyword). The decorated ``check(s, case)`` (or
    ``check(s)`` with neither ``given`` nor ``cases``) calls the student through ``s`` and
    raises on a failure.

    ``idea``: the key of the idea it checks in the module's ``IDEAS`` (its points follow from
    the idea's weight and ``weight``); without one, ``points`` are the test's own and the test
    is its own idea (``misconception`` its text). ``checks``: the property it checks (a
    :class:`Kind`: a failure of that kind or a wrong value shows ``hint``); ``hints``: hints
    for failures of other kinds (``{Kind.SHAPE: "..."}``), else :data:`KIND_HINTS`.
    ``given``: a hypothesis strategy for ``case``, with ``examples`` (cases, or
    :class:`Worked` cases with a note, e.g. the lecture's worked examples) tried first: a
    failure there is reported as is, without shrinking. ``cases``: fixed cases tried in order,
    instead of ``given``.
    """
    if not idea and points is None:
        raise ValueError(f"expected an idea or points for the test {description!r}")

    def declare(check: Callable) -> TestSpec:
        spec = TestSpec(question, description, points, tuple(functions), hint,
                        misconception or description, check, given, tuple(cases),
                        tuple(examples), idea, weight, checks, tuple((hints or {}).items()))
        _register(spec)
        return spec

    return declare


_DECLARED: dict[str, dict[str, TestSpec]] = {}
"""module name -> description -> test, in the order they were declared"""


def _where(check: Callable) -> tuple[str, int]:
    return check.__code__.co_filename, check.__code__.co_firstlineno


def _register(spec: TestSpec) -> None:
    """Record a declared test under its module (a question folder's tests under that folder's
    id: a test declared in one folder for another question fails here, loudly)."""
    module = spec.check.__module__
    folder = module.rpartition(".")[0].rpartition(".")[2]
    if module.startswith(PACKAGE + ".") and module.endswith(".hidden") and folder != spec.question:
        raise ValueError(f"expected the tests of {module} to be of question {folder!r} (its "
                         f"folder), got question={spec.question!r} for {spec.description!r}; "
                         "write question=Q with `from .question import ID as Q`")
    tests = _DECLARED.setdefault(module, {})
    same = tests.get(spec.description)
    if same is not None and _where(same.check) != _where(spec.check):  # not a re-import
        raise ValueError(f"expected one hidden test per description in {module}, got two "
                         f"called {spec.description!r}; give each its own description")
    tests[spec.description] = spec


def declared(module: Any) -> list[TestSpec]:
    """The tests declared in ``module`` (with :func:`hidden_test`), in the order they were
    declared, or in the module's own ``TESTS`` order when it gives one (which must then list
    every test it declares: a declared test always runs)."""
    tests = list(_DECLARED.get(module.__name__, {}).values())
    order = getattr(module, "TESTS", None)
    if order is None:
        return tests
    left_out = [t.description for t in tests if t not in order]
    if left_out:
        raise ValueError(f"expected {module.__name__}.TESTS to list every test it declares, "
                         f"got {left_out} left out; add them to TESTS or delete TESTS (the "
                         "declaration order is the default)")
    return list(order)


def _compose(spec: TestSpec, failure: TestFailure, detail: str | None = None) -> TestFailure:
    """The failure as the student reads it: what was checked, the detail, the hint chosen from
    what went wrong."""
    detail = failure.message if detail is None else detail
    head = f"**Checked:** {spec.description}."
    text = spec.hint_for(failure.status, failure.kind)
    hint = f"**Hint:** {text}" if text else ""
    room = MESSAGE_LIMIT - len(head) - len(hint) - 4
    if len(detail) > room:
        detail = detail[:room - 1] + "…"
    message = "\n\n".join(p for p in (head, detail, hint) if p)
    return TestFailure(message, failure.status, failure.kind, failure.function)


def _run(spec: TestSpec, examples: int, shrink: bool, seed: int | None,
         student: Student) -> None:
    """Run one test against a student: None when it passes, TestFailure when it fails.

    A test with ``given`` tries its explicit examples, then replays the inputs hypothesis drew
    for it once (:mod:`autograder.hidden.cases`); when one fails and ``shrink`` is on,
    hypothesis starts from that input and shrinks it to the smallest failing one.
    CallAborted (timeout, crash) is a BaseException: it is never caught here.
    """
    s = Calls(student)
    try:
        if spec.given is not None:
            for worked in spec.examples:  # tried first, in the order given; shown as they are
                if not isinstance(worked, Worked):
                    worked = Worked(worked, "")
                s.context = worked.note
                _attempt(spec, s, worked.case)
            s.context = ""
            drawn = cases.book(examples, seed).cases(spec.question, spec.description)
            _prefetch_first_calls(spec, student, [case for case, _ in drawn])
            for case, choices in drawn:
                try:
                    _attempt(spec, s, case)
                except TestFailure as failure:
                    if shrink:
                        _shrink(spec, s, case, choices, failure, seed)
                    raise
        elif spec.cases:
            for case in spec.cases:
                s.context = ""
                _attempt(spec, s, case)
        else:
            _attempt(spec, s, None)
    except TestFailure as e:
        for function in spec.functions:  # judged at a first ask: its own mistake, charged
            callees.charge(student, function, e.status, e.kind)
        raise _compose(spec, e) from None
    finally:
        if hasattr(student, "prefetch"):
            student.prefetch(())  # what the cases did not ask for is dropped


class _FirstCall(BaseException):
    """Raised by :class:`_Probe` at a check's first call (a BaseException: a check's ``except
    Exception`` cannot swallow it)."""


class _Probe(Calls):
    """Runs a check up to its first call of the student, which it records instead of making."""

    def ex(self, function: str, *args: Any, return_args: bool = False, backward: bool = False,
           raised_ok: bool = False, **kwargs: Any) -> CallResult | None:
        raise _FirstCall(function, args, kwargs, return_args, backward)


def _prefetch_first_calls(spec: TestSpec, student: Student, drawn: list) -> None:
    """Each case's first call, sent to the worker together (``student.prefetch``, when the
    student has it): a check's first call depends on its case alone, so it can be known before
    the cases run, and the worker answers them all in one go instead of one round trip each.
    The cases then run as they always do; their calls find the answers waiting."""
    if not hasattr(student, "prefetch"):
        return
    calls = []
    for case in drawn:
        try:
            _check(spec, _Probe(student), case)
        except _FirstCall as first:
            calls.append(first.args)
        except Exception:  # a check that fails before calling: the real run will say so
            pass
    student.prefetch(calls)


def _check(spec: TestSpec, s: Calls, case: Any) -> None:
    if spec.given is None and not spec.cases:
        spec.check(s)
    else:
        spec.check(s, _copy(case))


def _copy(value: Any) -> Any:
    """A copy of a case that a check may change freely: ``copy.deepcopy``, with a short way
    for the plain data cases are made of (arrays, numbers, tuples, lists, dicts)."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if value is None or kind in (int, float, bool, str) or isinstance(value, np.generic):
        return value
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    if kind is list:
        return [_copy(v) for v in value]
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    return copy.deepcopy(value)


def _attempt(spec: TestSpec, s: Calls, case: Any) -> None:
    """The check on a copy of ``case``; a failure that the student's own callees explain (see
    :mod:`autograder.hidden.callees`) is not the tested function's: the case passes."""
    s.history = []
    try:
        _check(spec, s, case)
    except TestFailure as failure:
        if not _callee_explains(spec, s, case, failure):
            raise
        # wrong through a charged callee: the function's own callers may blame it in turn
        for function in spec.functions:
            callees.charge(s.student, function, failure.status, failure.kind)


def _callee_explains(spec: TestSpec, s: Calls, case: Any, failure: TestFailure) -> bool:
    try:
        return _callee_explains_(spec, s, case, failure)
    except TestFailure:  # the student's callee could not be asked: the failure stands
        return False


def _callee_explains_(spec: TestSpec, s: Calls, case: Any, failure: TestFailure) -> bool:
    if failure.status not in (Status.WRONG, Status.RAISED) or s.last is None:
        return False
    # blame moves only to a callee already charged, in its own tests, with a mistake of this
    # kind (a callee that answers its own tests right and lies when asked again explains nothing)
    what = callees.category(failure.status, failure.kind)
    names = [g for f in spec.functions for g in callees.callees(f, tuple(PARAMS))
             if s.student.has(g) and callees.charged(s.student, g, what)]
    if not names:
        return False
    own = Calls(s.student)
    if what == callees.CHANGED:
        def own_args(callee: str, args: tuple, kwargs: dict) -> tuple | None:
            result = own.ex(callee, *args, return_args=True, raised_ok=True, **kwargs)
            return None if result is None else result.args

        return callees.callee_changes(callees.callee_calls(*s.last, names), own_args, _same)
    if failure.status == Status.RAISED:  # did the student's callee raise first?
        return any(callees.callee_raises(callees.callee_calls(f, a, k, names), own)
                   for f, a, k in s.history)
    verdict = callees.explains_value(names, own, lambda: _check(spec, Calls(s.student), case))
    if verdict is not None:
        return verdict
    # a check that does not use the reference's callees (a property, a self-comparison): is
    # the student's function right on every call it made, given the student's own callees?
    # (and were those callees wrong at all? else the mistake is the function's own)
    return callees.agrees_on_own_callees(s.history, tuple(names), own, rtol_for) and any(
        callees.callee_wrong(callees.callee_calls(f, a, k, names), own) for f, a, k in s.history)


def _flaky(first: TestFailure | None) -> TestFailure:
    detail = "Your function gave different results when it was called again with the same input."
    if first is not None:
        detail += "\n\nThe first time:\n\n" + first.message
    return TestFailure(detail, Status.WRONG, Kind.FLAKY)


_SHRINK_KEY = b"failing-case"


def _shrink(spec: TestSpec, s: Calls, case: Any, choices: bytes, failure: TestFailure,
             seed: int | None) -> NoReturn:
    """Hypothesis replays the failing case (from its choices) and shrinks it: raises the
    failure on the smallest input it finds. When hypothesis's replay passes, the case is
    tried once more: failing again, its failure stands as it is; passing, the function
    answered the same input differently (a flaky failure). Hypothesis is imported here, the
    first time a case fails (see :mod:`autograder.hidden.strategies`)."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed as seed_, settings
    from hypothesis.database import InMemoryExampleDatabase
    from hypothesis.errors import FlakyFailure

    # the case goes in as a "secondary" example: hypothesis takes a primary one as shrunk
    # already and would not shrink it
    database = InMemoryExampleDatabase()
    database.save(_SHRINK_KEY + b".secondary", choices)

    def one_example(case):
        s.context = ""
        _attempt(spec, s, case)

    test = given(strategy(spec.given))(one_example)
    test._hypothesis_internal_database_key = _SHRINK_KEY  # where the reuse phase looks
    test = seed_(0 if seed is None else seed)(test)  # before settings: @seed drops the database
    test = settings(parent=settings.get_profile("default"), database=database, deadline=None,
                    derandomize=False, max_examples=1, report_multiple_bugs=False,
                    suppress_health_check=list(HealthCheck), print_blob=False,
                    verbosity=Verbosity.quiet, phases=(Phase.reuse, Phase.shrink))(test)
    try:
        test()  # raises the shrunk failure
    except FlakyFailure as e:
        raise _flaky(next((x for x in e.exceptions if isinstance(x, TestFailure)), None)) \
            from None
    s.context = ""
    _attempt(spec, s, case)
    raise _flaky(failure)
