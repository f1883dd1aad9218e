"""Feedback that ties a test's failure to its cause elsewhere in the submission.

* :func:`explain_failures`: a test failed because a function (or a name it uses, such as ``np``)
  was never defined: name the statement that should have defined it and failed (its cell, first
  line and error).
* :func:`apply_ban`: a torch-track function called a banned built-in: none of its tests scores.
* :func:`choice_messages`: which file counted when several were graded, or that none held work.
"""
from __future__ import annotations

import dataclasses
import re

from typing import TYPE_CHECKING

from autograder.engine.api import Status

if TYPE_CHECKING:  # annotations only
    from autograder.engine.api import HiddenTest, TestOutcome
    from autograder.engine.choose import Choice, Found
    from autograder.engine.client import WorkerClient
    from autograder.engine.results import GradingResult

NOT_DEFINED = re.compile(r"name '(\w+)' is not defined|does not define (\w+(?:, \w+)*)")
FAILED = ("error", "timeout", "crashed")


def failed_definition(names: set[str], student: WorkerClient) -> str:
    """``- cell 3, line 2 (`import seaborn as sns`): ModuleNotFoundError: ...`` for the first
    failed statement that binds one of ``names``; "" when none did."""
    # the first load's report: a reload during the hidden tests may say what they asked
    for cell, report in zip(student.cells, (student.first_report or student.report).cells):
        if report.status in FAILED and names & set(getattr(cell, "binds", ())):
            first = cell.source.lstrip("\n").split("\n", 1)[0].strip()[:100]
            return (f"{report.label} (`{first}`) should have defined "
                    f"{', '.join(sorted(names & set(cell.binds)))} but did not run: "
                    f"{report.status} ({report.message})")
    return ""


def explain_failures(outcomes: list[TestOutcome], student: WorkerClient) -> None:
    """Put the failed statement first in the output of each test failing for a missing name."""
    for i, outcome in enumerate(outcomes):
        if outcome.passed:
            continue
        names = set()
        for match in NOT_DEFINED.finditer(outcome.output):
            names.add(match.group(1)) if match.group(1) else names.update(
                n.strip() for n in match.group(2).split(",") if n.strip())
        why = failed_definition(names, student) if names else ""
        if names and not why and not any(names & set(getattr(c, "binds", ()))
                                         for c in student.cells):
            why = (f"no statement of the graded file defines {', '.join(sorted(names))} (a cell "
                   "that you ran and then deleted, or one tagged skip-grading, which the grader "
                   "does not run?)")
        if why and why not in outcome.output:
            why_first = f"**Why:** {why}.\n\n{outcome.output}"
            outcomes[i] = dataclasses.replace(outcome, output=why_first)


def apply_ban(outcomes: list[TestOutcome], tests: list[HiddenTest],
              student: WorkerClient) -> None:
    """Every test of a function that called a banned built-in scores nothing and says why."""
    if not student.banned:
        return
    functions = {t.name: set(t.functions) for t in tests}
    for i, outcome in enumerate(outcomes):
        hit = [f for f in functions.get(outcome.name, ()) if f in student.banned]
        if hit:
            message = student.banned[hit[0]]
            outcomes[i] = dataclasses.replace(outcome, score=0.0, passed=False,
                                              output=f"Not graded: {message}.",
                                              status=Status.BANNED, kind="")


def _points(result) -> str:
    return f"{result.score:g}/{result.max_score:g}"


def choice_messages(choice: Choice, best_found: Found,
                    outcomes: list[tuple[Found, GradingResult]]) -> list[str]:
    """The top-of-page lines about the file rule."""
    lines = []
    if choice.fallback:
        lines.append(f"**No file of your submission holds your own code for the assignment's "
                     f"functions** (each is missing or still raises the template's "
                     f"NotImplementedError): `{best_found.name}` was graded as the untouched "
                     "template.")
    elif len(outcomes) > 1:
        rest = ", ".join(f"`{f.name}` ({_points(r)})" for f, r in outcomes if f is not best_found)
        best = next(r for f, r in outcomes if f is best_found)
        lines.append(f"**Your work is in {len(outcomes)} files.** Each was graded and the best "
                     f"total counts: `{best_found.name}` ({_points(best)}). Also graded: {rest}. "
                     "Keep your work in one file.")
    skipped = [f for f in choice.others if f.error]
    if skipped:
        lines.append("Not graded (could not be read): "
                     + "; ".join(f"`{f.name}`: {f.error}" for f in skipped[:5]))
    if choice.notes:
        lines.append("Skipped: " + "; ".join(choice.notes[:5]) + ".")
    return lines
