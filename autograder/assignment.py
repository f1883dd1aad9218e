"""The assignment this checkout grades, as the engine takes it (:class:`engine.api.Assignment`):
its questions (the question folders), hidden tests, ideas and public cases. The entry points
(the command line, Gradescope's ``run_autograder``, batch grading, verify) build it here and pass
it to the engine, which imports nothing above itself.
"""
from __future__ import annotations

import functools
from pathlib import Path

from autograder.engine.api import Assignment
from autograder.engine.config import GradingConfig
from autograder.engine.results import GradingResult
from autograder.engine.reveal import History

NOTEBOOK = "lecture16.ipynb"
"""the student notebook's file name (the build writes it)"""
TEMPLATE = "lm_training.py"
"""the student template's file name"""


def _hidden_tests(config: GradingConfig) -> list:
    from autograder.hidden import cases, graded

    tests = graded(config)
    # their inputs too: the engine asks for the tests while the worker loads
    cases.book(config.examples_per_test, config.seed)
    return tests


def _ideas(torch_track: bool = True) -> dict:
    from autograder.hidden import all_ideas

    return all_ideas(torch_track=torch_track)


def _public_cases() -> list:
    from assignments.lecture16.public_cases import cases_with_expected

    return cases_with_expected()


@functools.lru_cache(maxsize=1)
def current() -> Assignment:
    """The lecture 16 assignment, from its question folders."""
    from autograder.questions import QUESTIONS

    return Assignment(questions=QUESTIONS, hidden_tests=_hidden_tests, ideas=_ideas,
                      public_cases=_public_cases, preferred_files=(NOTEBOOK, TEMPLATE))


def grade(path: Path, config: GradingConfig | None = None,
          history: History | None = None) -> GradingResult:
    """Grade the submission at ``path`` against this assignment (never raises; see
    :func:`autograder.engine.runner.grade`); ``history``: Gradescope's record of the earlier
    submissions (:mod:`autograder.engine.reveal`), None for a first submission."""
    from autograder.engine.runner import grade as engine_grade

    return engine_grade(path, config, assignment=current(), history=history)
