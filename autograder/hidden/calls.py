"""The language a hidden test's check speaks: ``s("f", x)`` calls the student's ``f`` in the
worker, ``s.expect_array(got, expected, "the loss")`` and the other checks raise a
:class:`TestFailure` that says what was called with which input, what was expected and what came
back (``kind``: what went wrong, which chooses the hint)."""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Iterable, NoReturn, Sequence

import numpy as np

from autograder.engine.api import (BadReturn, CallResult, Kind, MissingFunction, Status, Student,
                                   StudentError, StudentRaised, TensorValue, TestFailure)
from autograder.show import describe, differing, number, show, wrong_values

from . import callees
from .compare import kind_of, magnitude, numbers, same
from .params import PARAMS

MESSAGE_LIMIT = 2000
"""longest failure message (characters); the inputs are shortened to fit"""


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


def unaddressed(text: str) -> str:
    """``text`` with memory addresses as ``0x...``: a student's error reads the same every run."""
    return re.sub(r"0x[0-9a-fA-F]{4,}", "0x...", text)


class Caller:
    """Calls the student's functions for one test and writes the failure messages (a check's
    ``s``, with the checks of :class:`Calls`): every problem becomes a :class:`TestFailure`
    whose message starts with the last call (function and inputs)."""

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
                      f"{unaddressed(e.message)}", kind=Kind.TYPE)
        except StudentError as e:  # any other student-side problem the engine reports
            self.fail(unaddressed(e.message), status=Status.RAISED)

    def _raised(self, function: str, e: StudentRaised) -> NoReturn:
        detail = unaddressed(e.detail)  # same message on every run
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


class Calls(Caller):
    """The checks: each raises :class:`TestFailure` when its property does not hold."""

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
        exact = exact or expected.dtype.kind != "f"
        rtol = 0.0 if exact else 1e-6 if rtol is None else rtol
        atol = 0.0 if exact else rtol * (max(1.0, magnitude(expected)) if scale is None else scale)
        difference = wrong_values(expected, got, rtol, atol)
        if difference:
            first = tuple(differing(expected, got, rtol, atol)[0])
            self.fail(f"Expected {what} = `{show(expected)}`\n\nGot `{show(got)}` "
                      f"({describe(got)})\n\nWrong values: {difference}."
                      + (f"\n\n{fix}" if fix else ""), kind=kind_of(got[first], expected[first]))
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
        for path, value in numbers(got, what):
            if value is None:
                self.fail(f"Expected {path} to be numbers, got `{show(got)}`.", kind=Kind.TYPE)
            a = np.asarray(value)
            if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
                where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0]) if a.ndim else ()
                at = f" at index [{', '.join(map(str, where))}]" if where else ""
                self.fail(f"Expected {path} to be finite, got {number(a[where])}{at}: "
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
            self.fail(f"Expected {what} = {number(expected)}, got {number(value)} "
                      f"({describe(got)}{tolerance})." + (f"\n\n{fix}" if fix else ""),
                      kind=kind_of(value, expected))
        return value

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
            if not same(before, after):
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
