"""A function is judged on its own: a mistake in a function it calls is charged to that one.

The lecture builds functions on each other (``cross_entropy`` on ``log_softmax``, ``perplexity``
on ``cross_entropy``, ``clip_grad_norm`` on ``global_grad_norm``, ``adamw_step`` on
``clip_grad_norm``, ``causal_attention`` on ``causal_mask``), and students call their own
earlier functions, as the notebook tells them to. Without care one mistake in ``log_softmax``
would fail every test of every function above it.

So when a test of F fails, it is tried once more with the reference's F built on the *student's
own* callees (the reference functions that F's reference calls, read from its code): if the
student's F agrees with that, F is right and the mistake is the callee's, which its own tests
charge; the test passes. A check that does not use the reference's callees (a property, or the
student against themselves: finite, rows summing to 1, ignored positions leaving the mean)
cannot tell this way: its failure is the callee's when, on every call the check made, the
student's F returns what the reference's F built on the student's callees returns. An error is
the callee's when the student's callee raises on the inputs that the reference's F, called as
the student's F was, gives it; a changed input, when the student's callee changes those too.
The student is compared with themselves; nothing of the reference goes to the worker.

With two mistakes at once, in F and in its callee, F's own still fails F's tests.

Blame moves only to a function that is charged for it (issue 22): student code keeps state and
can tell a second ask from a first, so a failure of F is the callee G's only when G already
failed a test of its own, at a first ask, with a mistake of the same kind (a wrong value, an
error, a changed input): :func:`charge` records each failed test's function as the grading
goes, :func:`charged` asks. The hidden tests run callees' tests before their callers'
(:func:`depth`), so a callee's own verdict is known when a caller's failure is weighed. A lying
callee, right in its own tests and wrong when asked again, explains nothing; a callee wrong in
its own tests loses its own points there, as before, and its caller keeps its points.

The reference modules are patched for the second try only: the grader grades one submission
per process (batch grading and ``verify`` run each grading in a process of its own).
"""
from __future__ import annotations

import contextlib
import copy
import functools
import sys
import weakref
from typing import Any, Callable, Iterator, Sequence

import numpy as np

import reference

from autograder.engine.api import Kind, Status, TestFailure

VALUE = "value"
"""what a charge is for: a wrong value (any kind of wrong answer but a changed input)"""
ERROR = "error"
"""an error raised (or the template's NotImplementedError)"""
CHANGED = "changed"
"""an input changed (or a view of it returned)"""

_CHARGED: "weakref.WeakKeyDictionary[Any, dict[str, set[str]]]" = weakref.WeakKeyDictionary()
"""student -> function -> what its own failed tests charged it with, in this grading"""


def category(status: str, kind: str) -> str | None:
    """What a failure with this status and kind charges its function with (None: nothing a
    caller's failure could be blamed on, e.g. a timeout, which stops the function anyway)."""
    if status in (Status.RAISED, Status.NOT_IMPLEMENTED):
        return ERROR
    if status != Status.WRONG:
        return None
    return CHANGED if kind in (Kind.CHANGED_INPUT, Kind.SHARES_MEMORY) else VALUE


def charge(student: Any, function: str, status: str, kind: str) -> None:
    """``function`` failed a test of its own (a first ask, judged there) in this grading."""
    what = category(status, kind)
    if what is not None and function:
        _CHARGED.setdefault(student, {}).setdefault(function, set()).add(what)


def charged(student: Any, function: str, what: str) -> bool:
    """``function`` has failed a test of its own with a mistake of this kind so far."""
    return what in _CHARGED.get(student, {}).get(function, ())


@functools.lru_cache(maxsize=None)
def depth(function: str, spec_functions: tuple[str, ...]) -> int:
    """0 for a function that calls no other spec function, else one more than its deepest
    callee's (the order the hidden tests run in: callees first)."""
    inner = callees(function, spec_functions)
    return 1 + max(depth(g, spec_functions) for g in inner) if inner else 0


def callees(function: str, spec_functions: Sequence[str]) -> tuple[str, ...]:
    """The spec functions that the reference ``function`` calls, in the order of its code (the
    torch track's, imported only on first use, are not looked into: they call none)."""
    ref = vars(reference).get(function)
    code = getattr(ref, "__code__", None)
    if code is None:
        return ()
    return tuple(n for n in dict.fromkeys(code.co_names) if n in spec_functions and n != function)


@contextlib.contextmanager
def reference_on(own: dict[str, Callable]) -> Iterator[None]:
    """Every reference module's binding of each named reference function replaced by ``own``'s
    (the student's, through the worker) for the duration."""
    patched = []
    originals = {name: getattr(reference, name) for name in own}
    for module_name, module in list(sys.modules.items()):
        if module_name != "reference" and not module_name.startswith("reference."):
            continue
        namespace = vars(module)
        for key, value in list(namespace.items()):
            for name, original in originals.items():
                if value is original:
                    patched.append((namespace, key, value))
                    namespace[key] = own[name]
    try:
        yield
    finally:
        for namespace, key, value in reversed(patched):
            namespace[key] = value


def _student_callees(callee_names: Sequence[str], call_own: Callable[..., Any],
                     used: list[str] | None = None) -> dict[str, Callable]:
    """Stand-ins for the reference's callees that call the student's (noting each use)."""
    def one(name: str) -> Callable:
        def call(*args, **kwargs):
            if used is not None:
                used.append(name)
            return call_own(name, *args, **kwargs)

        return call

    return {name: one(name) for name in callee_names}


def explains_value(callee_names: Sequence[str], call_own: Callable[..., Any],
                   rerun: Callable[[], None]) -> bool | None:
    """The failing check passes when the reference uses the student's own callees: True; it
    still fails: False; it never used them (a property or self-comparison check, which the
    reference's callees do not decide): None."""
    used: list[str] = []
    try:
        with reference_on(_student_callees(callee_names, call_own, used)), \
                np.errstate(all="ignore"):  # a wrong callee's nan is judged, not printed
            rerun()
    except Exception:  # the failure stands (whatever went wrong on the second try)
        return False if used else None
    return True


def callee_calls(function: str, args: Sequence, kwargs: dict,
                 callee_names: Sequence[str]) -> list[tuple[str, tuple, dict]]:
    """The calls of its callees that the reference ``function`` makes on these arguments
    (copies): the inputs the student's callee would get from a correct caller."""
    seen: list[tuple[str, tuple, dict]] = []

    def spy(name: str) -> Callable:
        original = getattr(reference, name)

        def call(*a, **k):
            seen.append((name, copy.deepcopy(a), copy.deepcopy(k)))
            return original(*a, **k)

        return call

    try:
        with reference_on({name: spy(name) for name in callee_names}), \
                np.errstate(all="ignore"):
            getattr(reference, function)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception:  # an input the reference refuses: what it called before still counts
        pass
    return seen


def callee_raises(calls: Sequence[tuple[str, tuple, dict]], call_own: Callable[..., Any]) -> bool:
    """The student's callee raises on one of ``calls`` (so their caller's error is its)."""
    for name, args, kwargs in calls:
        try:
            call_own(name, *copy.deepcopy(args), **copy.deepcopy(kwargs))
        except Exception:
            return True
    return False


def callee_wrong(calls: Sequence[tuple[str, tuple, dict]], call_own: Callable[..., Any]) -> bool:
    """The student's callee disagrees with the reference's (or raises) on one of ``calls``."""
    for name, args, kwargs in calls:
        with np.errstate(all="ignore"):
            expected = getattr(reference, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        try:
            got = call_own(name, *copy.deepcopy(args), **copy.deepcopy(kwargs))
        except Exception:
            return True
        if not close(got, expected):
            return True
    return False


def agrees_on_own_callees(calls: Sequence[tuple[str, tuple, dict]], callee_names: Sequence[str],
                          call_own: Callable[..., Any], rtol: Callable[..., float]) -> bool:
    """On every call (of a function with callees), the student's result equals the reference's
    built on the student's own callees: the student's function is right, given its callees."""
    compared = False
    for function, args, kwargs in calls:
        if not callees(function, callee_names):
            continue
        got = call_own(function, *copy.deepcopy(args), **copy.deepcopy(kwargs))
        try:
            with reference_on(_student_callees(callee_names, call_own)), \
                    np.errstate(all="ignore"):
                expected = getattr(reference, function)(*copy.deepcopy(args),
                                                        **copy.deepcopy(kwargs))
        except Exception:
            return False
        if not close(got, expected, rtol(*args, *kwargs.values())):
            return False
        compared = True
    return compared


def callee_changes(calls: Sequence[tuple[str, tuple, dict]],
                   call_own_args: Callable[[str, tuple, dict], tuple | None],
                   same: Callable[[Any, Any], bool]) -> bool:
    """The student's callee changes its input on one of ``calls``."""
    for name, args, kwargs in calls:
        try:
            after = call_own_args(name, copy.deepcopy(args), copy.deepcopy(kwargs))
        except Exception:
            continue
        if after is not None and any(not same(b, a) for b, a in zip(args, after)):
            return True
    return False


def close(got: Any, expected: Any, rtol: float = 1e-6) -> bool:
    """Equal in structure, numbers within ``rtol`` (relative, and absolute on the scale of the
    expected magnitude), nan where nan is expected."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(
            close(got[k], expected[k], rtol) for k in expected)
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            close(g, e, rtol) for g, e in zip(got, expected, strict=True))
    try:
        got, expected = np.asarray(got), np.asarray(expected)
        if got.shape != expected.shape or got.dtype.kind not in "biuf":
            return False
        if (expected.dtype.kind == "b") != (got.dtype.kind == "b"):
            return False  # a bool is not a number here (True is not 1.0)
        if expected.dtype.kind == "b":
            return bool(np.array_equal(got, expected))
        finite = expected[np.isfinite(expected)] if expected.dtype.kind == "f" else expected
        scale = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
        return bool(np.allclose(got, expected, rtol=rtol, atol=rtol * scale, equal_nan=True))
    except (TypeError, ValueError):
        return False


def explains(functions: Sequence[str], s: Any, failure: Any, recheck: Callable[[], Any]) -> bool:
    """A test of ``functions`` failed (``s``: its :class:`~autograder.hidden.calls.Calls`, with
    the calls it made); is the failure a charged callee's? ``recheck`` runs the check again."""
    from .calls import Calls
    from .compare import rtol_for, same
    from .params import SPEC_FUNCTIONS

    if failure.status not in (Status.WRONG, Status.RAISED) or s.last is None:
        return False
    # blame moves only to a callee already charged, in its own tests, with a mistake of this
    # kind (a callee that answers its own tests right and lies when asked again explains nothing)
    what = category(failure.status, failure.kind)
    names = [g for f in functions for g in callees(f, SPEC_FUNCTIONS)
             if s.student.has(g) and charged(s.student, g, what)]
    if not names:
        return False
    own = Calls(s.student)
    try:
        if what == CHANGED:
            def own_args(callee: str, args: tuple, kwargs: dict) -> tuple | None:
                result = own.ex(callee, *args, return_args=True, raised_ok=True, **kwargs)
                return None if result is None else result.args

            return callee_changes(callee_calls(*s.last, names), own_args, same)
        if failure.status == Status.RAISED:  # did the student's callee raise first?
            return any(callee_raises(callee_calls(f, a, k, names), own) for f, a, k in s.history)
        verdict = explains_value(names, own, recheck)
        if verdict is not None:
            return verdict
        # a check that does not use the reference's callees (a property, a self-comparison):
        # is the student's function right on every call it made, given the student's own
        # callees? (and were those callees wrong at all? else the mistake is the function's)
        return agrees_on_own_callees(s.history, tuple(names), own, rtol_for) and any(
            callee_wrong(callee_calls(f, a, k, names), own) for f, a, k in s.history)
    except TestFailure:  # the student's callee could not be asked: the failure stands
        return False
