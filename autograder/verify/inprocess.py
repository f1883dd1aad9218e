"""The catalog's bugs graded in this process (no worker, no sandbox): the quick check that each
bug fails few tests, all of the idea it breaks. For the tests of the hidden tests and for
iterating; ``verify`` grades the same entries through the real engine.
"""
from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import numpy as np

from autograder.engine.api import TestFailure
from autograder.hidden.inprocess import InProcessStudent


@dataclass
class Quick:
    name: str
    question: str
    idea: str
    """the qualified idea the catalog says the bug breaks"""
    failed: dict[str, str]
    """test name -> the idea it charges, for the failed tests of every question"""
    lost: float
    """points lost in the bug's own question"""
    direct: tuple[str, ...] = ()
    """the failed tests that call a function the bug changed (the others fail through a
    function of the submission that calls it: fair, the spec says, and attributed to it)"""
    messages: dict[str, str] | None = None
    """test name -> the feedback of each failed test (what the student reads)"""

    def own(self) -> dict[str, str]:
        return {n: i for n, i in self.failed.items() if n.startswith(self.question + " ")}


def namespace_of(source: str) -> dict:
    """The functions a submission's source defines (run in a fresh namespace)."""
    namespace: dict = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), namespace)  # noqa: S102 (our own catalog)
    return namespace


@contextlib.contextmanager
def _as_in_a_worker():
    """The quiet of a real grading's worker: what a bug's C code prints (LAPACK on a nan input:
    "** On entry to DLASCL parameter number 4 had an illegal value") goes nowhere, as the
    worker's stdout does, and numpy warns of nothing, as the worker's np.seterr says."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as null:
        os.dup2(null.fileno(), 1)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_bug(bug, reference_source: str, tests) -> Quick:
    """Grade one catalogued bug in process on the ``tests`` that can reach it."""
    from autograder.verify.entries import affected_tests, replace_function

    text = replace_function(reference_source, bug.source)
    changed = [n for n in namespace_of(bug.source) if not n.startswith("__")]
    graded = set(affected_tests(text, changed, tests))
    student = InProcessStudent(namespace_of(text))
    failed, lost, direct, messages = {}, 0.0, [], {}
    for test in tests:
        if test.name not in graded:
            continue
        try:
            with _as_in_a_worker():
                test.run(student)
        except TestFailure as failure:
            failed[test.name] = test.idea
            messages[test.name] = failure.message
            if set(test.functions) & set(changed):
                direct.append(test.name)
            if test.question == bug.question:
                lost += test.points
    return Quick(bug.name, bug.question, bug.idea_id, failed, round(lost, 6), tuple(direct),
                 messages)


def run_catalog(tests, only: str | None = None) -> list[Quick]:
    from autograder.build.release import solutions_module
    from autograder.verify.catalog import BUGS

    source = solutions_module()
    return [run_bug(b, source, tests) for b in BUGS if only is None or only in b.name]
