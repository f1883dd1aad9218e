"""Declaring a hidden test: ``@hidden_test`` (keywords only) makes a :class:`TestSpec` and
records it under its module, in definition order (:func:`declared`): a test that is declared is
a test that runs. A question's ``hidden.py``::

    from autograder.hidden import Kind, Worked, hidden_test, ideas, st

    @hidden_test(question=Q, idea="formula",
                 description="cross_entropy matches the reference on random logits",
                 functions=("cross_entropy",), hint="...", given=logits_and_targets())
    def ce_matches(s, case):
        logits, targets, _ = case
        got = s("cross_entropy", logits, targets)  # the student's function, in the worker
        s.expect_scalar(got, reference.cross_entropy(logits, targets), "the mean loss")

``s`` is a :class:`autograder.hidden.calls.Calls`. ``given`` is a hypothesis strategy: its
inputs are drawn once (:mod:`autograder.hidden.cases`), every grading replays them, and a
failure is shrunk to the smallest input (:mod:`autograder.hidden.shrink`). ``cases`` is a list of
fixed inputs tried in order; with neither the check runs once. A failure's hint is the test's
own for the property it checks, else the one for what went wrong (``hints``, :data:`KIND_HINTS`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from autograder.engine.api import HiddenTest, Kind, Status
from autograder.questions import PACKAGE

from .run import run


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
                          run=functools.partial(run, self, examples_per_test, shrink, seed),
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
