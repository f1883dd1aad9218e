"""Shrinking a failing case to the smallest failing input, and telling a flaky function from a
wrong one. Every use of hypothesis's private internals on the grading path is here
(:data:`HOOKS`; ``tests/test_shrink.py`` fails, naming the hook, when the installed hypothesis
no longer has one). Hypothesis is imported here, the first time a case fails
(:mod:`autograder.hidden.strategies`)."""
from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any, Callable, NoReturn

from autograder.engine.api import Kind, Status, TestFailure

from .strategies import strategy

if TYPE_CHECKING:
    from .calls import Calls
    from .declare import TestSpec

HOOKS = {
    "_hypothesis_internal_database_key": "hypothesis.core",
}
"""hypothesis's private attributes this module relies on -> the module that reads them: a
test's database key is where the reuse phase looks for the failing case's choices"""

_SHRINK_KEY = b"failing-case"


def missing_hooks() -> list[str]:
    """The hooks of :data:`HOOKS` that the installed hypothesis no longer reads (``[]``: all
    there)."""
    return [hook for hook, module in HOOKS.items()
            if hook not in inspect.getsource(importlib.import_module(module))]


def _flaky(first: TestFailure | None) -> TestFailure:
    detail = "Your function gave different results when it was called again with the same input."
    if first is not None:
        detail += "\n\nThe first time:\n\n" + first.message
    return TestFailure(detail, Status.WRONG, Kind.FLAKY)


def shrink(spec: TestSpec, s: Calls, case: Any, choices: bytes, failure: TestFailure,
           seed: int | None, attempt: Callable[[TestSpec, Calls, Any], None]) -> NoReturn:
    """Hypothesis replays the failing case (from its choices) and shrinks it: raises the
    failure on the smallest input it finds (each input tried with ``attempt``). When
    hypothesis's replay passes, the case is tried once more: failing again, its failure stands
    as it is; passing, the function answered the same input differently (a flaky failure)."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed as seed_, settings
    from hypothesis.database import InMemoryExampleDatabase
    from hypothesis.errors import FlakyFailure

    # the case goes in as a "secondary" example: hypothesis takes a primary one as shrunk
    # already and would not shrink it
    database = InMemoryExampleDatabase()
    database.save(_SHRINK_KEY + b".secondary", choices)

    def one_example(case):
        s.context = ""
        attempt(spec, s, case)

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
    attempt(spec, s, case)
    raise _flaky(failure)
