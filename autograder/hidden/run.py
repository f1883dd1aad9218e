"""Running a declared test against a student: its worked examples, then the inputs drawn once
for it (:mod:`autograder.hidden.cases`), each case's first call sent ahead (the pipelining
probe), a failure that the student's own callees explain excused
(:mod:`autograder.hidden.callees`), a failure shrunk to its smallest input
(:mod:`autograder.hidden.shrink`) and written as the student reads it."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder.engine.api import CallResult, Student, TestFailure

from . import callees, cases
from .calls import MESSAGE_LIMIT, Calls
from .shrink import shrink as shrink_failure

if TYPE_CHECKING:
    from .declare import TestSpec


def run(spec: TestSpec, examples: int, shrink: bool, seed: int | None,
        student: Student) -> None:
    """Run one test against a student: None when it passes, TestFailure when it fails.

    A test with ``given`` tries its explicit examples, then replays the inputs hypothesis drew
    for it once; when one fails and ``shrink`` is on, hypothesis starts from that input and
    shrinks it to the smallest failing one. CallAborted (timeout, crash) is a BaseException: it
    is never caught here.
    """
    from .declare import Worked

    s = Calls(student)
    try:
        if spec.given is not None:
            for worked in spec.examples:  # tried first, in the order given; shown as they are
                if not isinstance(worked, Worked):
                    worked = Worked(worked, "")
                s.context = worked.note
                attempt(spec, s, worked.case)
            s.context = ""
            drawn = cases.book(examples, seed).cases(spec.question, spec.description)
            _prefetch_first_calls(spec, student, [case for case, _ in drawn])
            for case, choices in drawn:
                try:
                    attempt(spec, s, case)
                except TestFailure as failure:
                    if shrink:
                        shrink_failure(spec, s, case, choices, failure, seed, attempt)
                    raise
        elif spec.cases:
            for case in spec.cases:
                s.context = ""
                attempt(spec, s, case)
        else:
            attempt(spec, s, None)
    except TestFailure as e:
        for function in spec.functions:  # judged at a first ask: its own mistake, charged
            callees.charge(student, function, e.status, e.kind)
        raise _compose(spec, e) from None
    finally:
        if hasattr(student, "prefetch"):
            student.prefetch(())  # what the cases did not ask for is dropped


def _compose(spec: TestSpec, failure: TestFailure) -> TestFailure:
    """The failure as the student reads it: what was checked, the detail, the hint chosen from
    what went wrong."""
    detail = failure.message
    head = f"**Checked:** {spec.description}."
    text = spec.hint_for(failure.status, failure.kind)
    hint = f"**Hint:** {text}" if text else ""
    room = MESSAGE_LIMIT - len(head) - len(hint) - 4
    if len(detail) > room:
        detail = detail[:room - 1] + "…"
    message = "\n\n".join(p for p in (head, detail, hint) if p)
    return TestFailure(message, failure.status, failure.kind, failure.function)


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
            check(spec, _Probe(student), case)
        except _FirstCall as first:
            calls.append(first.args)
        except Exception:  # a check that fails before calling: the real run will say so
            pass
    student.prefetch(calls)


def check(spec: TestSpec, s: Calls, case: Any) -> None:
    """The test's check on a copy of ``case`` (that it may change freely)."""
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


def attempt(spec: TestSpec, s: Calls, case: Any) -> None:
    """The check on ``case``; a failure that the student's own callees explain is not the
    tested function's: the case passes."""
    s.history = []
    try:
        check(spec, s, case)
    except TestFailure as failure:
        if not callees.explains(spec.functions, s, failure,
                                lambda: check(spec, Calls(s.student), case)):
            raise
        # wrong through a charged callee: the function's own callers may blame it in turn
        for function in spec.functions:
            callees.charge(s.student, function, failure.status, failure.kind)
