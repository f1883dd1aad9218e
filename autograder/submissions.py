"""Which file of a batch entry counts, for instructor tools (the class report, tests): a thin
view of the grader's own rule (:mod:`autograder.engine.choose`), so batch grading, Gradescope,
``grade FILE`` and ``run_checks.py`` never disagree.

``find_submission(entry)`` says which files the rule grades in ``entry`` (every candidate is
graded and the best total counts; the grader, not this module, does the grading), or why
nothing can be graded.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignment import NOTEBOOK, TEMPLATE
from autograder.engine.choose import ChoiceError, choose
from autograder.questions import ALL_FUNCTIONS

PREFERRED = (NOTEBOOK, TEMPLATE)


@dataclass(frozen=True)
class Found:
    """What the rule grades in an entry: ``path`` (the first candidate; None when nothing can be
    graded), every candidate's name, and a ``note`` (why nothing, or that several are graded)."""

    path: Path | None
    note: str = ""
    candidates: tuple[str, ...] = field(default=())


def find_submission(entry: Path) -> Found:
    entry = Path(entry)
    root = entry if entry.is_dir() else entry.parent
    with tempfile.TemporaryDirectory(prefix="ag-find-") as scratch:
        try:
            choice = choose(entry, Path(scratch), ALL_FUNCTIONS, preferred=PREFERRED)
        except ChoiceError as e:
            return Found(None, str(e))
    names = tuple(f.name for f in choice.candidates)
    first = root / names[0] if "/" not in names[0] or (root / names[0]).exists() else entry
    if choice.fallback:
        return Found(first, f"no file holds work: graded {names[0]} as the untouched template",
                     names)
    note = (f"work in {len(names)} files ({', '.join(names)}): each graded, the best counts"
            if len(names) > 1 else "")
    return Found(first, note, names)
