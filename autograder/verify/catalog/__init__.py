"""The catalogs that ``verify`` grades: realistic bugs, and correct solutions written differently.

A :class:`Bug` is the reference solution with one or more functions replaced by a buggy version
(``source``: complete ``def``s; a new helper must start with ``_``; ``Bug.edit`` builds it from
the reference function and a few exact replacements); it must lose points in ``question``.
A :class:`Correct` entry is right but written differently: either functions that replace the
reference's (``source``), or a whole submission rendered from the reference solution
(``render``: a .py text, a notebook, a zip); it must get full marks.

Each question folder's ``catalog.py`` holds its bugs (``BUGS``) and its correct variants
(``CORRECT``, optional), gathered here in question order. Beside them: ``loops.py`` and
``correct.py`` (variants that rewrite the functions of several questions at once),
``submissions.py`` (whole files: notebooks as students leave them, a zip export) and
``notebooks.py``, ``torch_cheats.py``.
"""
from __future__ import annotations

import importlib

from autograder.questions import QUESTIONS
from autograder.verify.catalog.kinds import Bug, Correct, labelled


def _folder_catalogs() -> list:
    """The ``catalog`` module of every question folder that has one, in question order."""
    found = []
    for question in QUESTIONS:
        if (question.folder / "catalog.py").is_file():
            found.append(importlib.import_module(f"{question.package}.catalog"))
    return found


def _bugs() -> list[Bug]:
    return [bug for module in _folder_catalogs() for bug in module.BUGS]


def _correct() -> list[Correct]:
    from . import correct, loops, submissions

    by_folder = [c for module in _folder_catalogs() for c in getattr(module, "CORRECT", [])]
    return [*loops.CORRECT, *correct.CORRECT, *by_folder, *submissions.CORRECT]


BUGS: list[Bug] = _bugs()
CORRECT: list[Correct] = _correct()

__all__ = ["BUGS", "CORRECT", "Bug", "Correct", "labelled"]
