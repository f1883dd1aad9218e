"""Hidden property-based tests (never shipped to students).

:func:`hidden_tests` lists every graded test in a stable order: each question folder's
``hidden.py`` in question order (autograder.questions), then the torch track's tests when it is
on. A numpy question's points (its folder's ``question.py``, the one place points live) are
split over the ideas of its ``IDEAS`` table and then over each idea's tests
(:mod:`autograder.hidden.ideas`); in a module without that table the points its tests declare
are weights, scaled to the question's points. A torch question's tests carry relative weights
that add up to 1.0 (the engine scales them by the configured extra credit); so do a "Going
further" question's, split over its ideas as a numpy question's points are.
"""
from __future__ import annotations

import importlib
from types import ModuleType

from autograder.engine.api import HiddenTest
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS

from .ideas import Idea


def _folder_modules(questions) -> list[ModuleType]:
    """The ``hidden`` module of every question folder that has one, in question order."""
    return [importlib.import_module(f"{q.package}.hidden") for q in questions
            if (q.folder / "hidden.py").is_file()]


def _points(module: ModuleType) -> list[tuple[object, float | None, str]]:
    """(spec, points, qualified idea id) of each test of a question module."""
    table: dict[str, Idea] = getattr(module, "IDEAS", {})
    specs = list(module.TESTS)
    if not table:  # the declared points are weights, scaled to the question's points
        total = sum(spec.points for spec in specs)
        return [(spec, round(BY_ID[spec.question].points * spec.points / total, 9)
                 if BY_ID[spec.question].track == "numpy" else None, "") for spec in specs]
    unknown = sorted({s.idea for s in specs} - set(table))
    if unknown:
        raise ValueError(f"expected every test's idea in {module.__name__}.IDEAS, got "
                         f"{unknown}")
    idle = sorted(set(table) - {s.idea for s in specs})
    if idle:
        raise ValueError(f"expected a test for every idea of {module.__name__}.IDEAS; "
                         f"{idle} have none")
    total = sum(i.weight for i in table.values())
    out = []
    for spec in specs:
        idea = table[spec.idea]
        share = sum(s.weight for s in specs if s.idea == spec.idea)
        points = _base(spec.question) * idea.weight / total * spec.weight / share
        out.append((spec, round(points, 9), idea.id))
    return out


def _base(question: str) -> float:
    """The points split over a question's ideas: a numpy question's own; 1 for a "Going further"
    question (weights: the engine scales them by the configured extra credit)."""
    return 1.0 if BY_ID[question].track == "further" else BY_ID[question].points


def modules(torch_track: bool = False) -> list[ModuleType]:
    """The hidden-test modules, numpy track first, then the "Going further" part's."""
    return _folder_modules(NUMPY_QUESTIONS + FURTHER_QUESTIONS
                           + (TORCH_QUESTIONS if torch_track else ()))


def all_ideas(torch_track: bool = True) -> dict[str, Idea]:
    """Every declared idea, by qualified id, in question order."""
    return {i.id: i for m in modules(torch_track) for i in getattr(m, "IDEAS", {}).values()}


def hidden_tests(examples_per_test: int = 50, torch_track: bool = False, *,
                 shrink: bool = True, seed: int | None = None) -> list[HiddenTest]:
    """Every graded test, in a stable order, each running ``examples_per_test`` hypothesis
    examples. The torch-track tests never import torch in this process.

    ``shrink=False`` gives the same verdicts without minimizing failing inputs (faster, for
    bulk checks such as a bug catalogue); ``seed`` replaces the derandomized examples with
    those of this seed (for a flakiness sweep). Grading uses the defaults.
    """
    return [spec.build(examples_per_test, shrink=shrink, seed=seed, points=points, idea=idea)
            for module in modules(torch_track) for spec, points, idea in _points(module)]


__all__ = ["all_ideas", "hidden_tests", "modules"]
