"""``python -m autograder verify``: prove the grading right on known submissions.

The reference must earn full marks, the untouched template zero, every entry of the bug catalog
(``catalog.BUGS``: the reference with one realistic bug) must lose points in the question its
bug is in, and every entry of the correct catalog (``catalog.CORRECT``: right, but written
differently) must lose none. The report prints a kill matrix (bug x hidden test) and the hidden
tests that catch nothing in the catalog. Not shipped to Gradescope.
"""
from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.engine.config import GradingConfig, load_config
from autograder.engine.results import GradingResult


class VerifyError(Exception):
    """verify could not run (not: a check failed)."""


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # reference, template, bug, correct
    path: Path
    question: str = ""
    """for a bug: the question it is in"""
    description: str = ""


@dataclass
class Verdict:
    entry: Entry
    score: float
    max_score: float
    by_question: dict[str, tuple[float, float]]
    failed_tests: list[str]
    problem: str = ""
    """why this entry fails verification ('' when it passes)"""


@dataclass
class VerifyReport:
    verdicts: list[Verdict] = field(default_factory=list)
    test_names: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.verdicts) and not any(v.problem for v in self.verdicts)

    def weak_tests(self) -> list[str]:
        caught = {t for v in self.verdicts if v.entry.kind == "bug" for t in v.failed_tests}
        return [t for t in self.test_names if t not in caught]

    def render(self) -> str:
        from autograder.verify.render import render

        return render(self)


def judge(entry: Entry, result: GradingResult) -> Verdict:
    by_q = result.by_question()
    failed = [t.name for t in result.tests if not t.passed and t.max_score > 0]
    verdict = Verdict(entry, result.score, result.max_score, by_q, failed)
    if entry.kind in ("reference", "correct") and result.score < result.max_score - 1e-9:
        verdict.problem = f"lost points: {', '.join(failed[:4])}"
    elif entry.kind == "template" and result.score > 0:
        verdict.problem = f"the template earned {result.score:g} points"
    elif entry.kind == "bug":
        earned, possible = by_q.get(entry.question, (0.0, 0.0))
        if earned >= possible - 1e-9:
            verdict.problem = f"not caught: full marks in {entry.question}"
    return verdict


def _grade_entry(args: tuple[Entry, GradingConfig]) -> Verdict:
    from autograder.engine.runner import grade

    entry, config = args
    return judge(entry, grade(entry.path, config))


def verify(jobs: int = 1, only: str | None = None, seed: int | None = None,
           examples_per_test: int | None = None) -> VerifyReport:
    """Grade every known submission and judge each. ``seed`` reseeds hypothesis (the flakiness
    sweep); ``examples_per_test`` overrides the configured budget."""
    from autograder.engine.runner import hidden_tests
    from autograder.verify.entries import write_entries

    config = load_config()
    if examples_per_test is not None:
        config = replace(config, examples_per_test=examples_per_test)
    if seed is not None:
        from autograder.hidden import framework

        framework.GRADING_SEED = seed
    with tempfile.TemporaryDirectory(prefix="ag-verify-") as tmp:
        entries = [e for e in write_entries(Path(tmp)) if only is None or only in e.name]
        if not entries:
            raise VerifyError(f"expected catalog entries whose name contains {only!r}, found none")
        work = [(e, config) for e in entries]
        if jobs > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                verdicts = list(pool.map(_grade_entry, work))
        else:
            verdicts = [_grade_entry(w) for w in work]
    names = [t.name for t in hidden_tests(config) if t.points > 0]
    return VerifyReport(verdicts=verdicts, test_names=names)
