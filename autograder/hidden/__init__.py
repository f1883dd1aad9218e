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
from autograder.engine.results import split_points
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS

from .framework import declared, hidden_test
from .ideas import Idea


def _folder_modules(questions) -> list[ModuleType]:
    """The ``hidden`` module of every question folder that has one, in question order."""
    return [importlib.import_module(f"{q.package}.hidden") for q in questions
            if (q.folder / "hidden.py").is_file()]


def _points(module: ModuleType) -> list[tuple[object, float | None, str]]:
    """(spec, points, qualified idea id) of each test of a question module: the question's
    points split by the tests' weights so that they add up to it exactly (split_points)."""
    table: dict[str, Idea] = getattr(module, "IDEAS", {})
    specs = declared(module)
    if not table:  # the declared points are weights, scaled to the question's points
        if not specs or BY_ID[specs[0].question].track != "numpy":
            return [(spec, None, "") for spec in specs]
        shares = _split(specs, [s.points for s in specs])
        return [(spec, points, "") for spec, points in zip(specs, shares)]
    unknown = sorted({s.idea for s in specs} - set(table))
    if unknown:
        raise ValueError(f"expected every test's idea in {module.__name__}.IDEAS, got "
                         f"{unknown}")
    idle = sorted(set(table) - {s.idea for s in specs})
    if idle:
        raise ValueError(f"expected a test for every idea of {module.__name__}.IDEAS; "
                         f"{idle} have none")
    weights = []
    for spec in specs:
        share = sum(s.weight for s in specs if s.idea == spec.idea)
        weights.append(table[spec.idea].weight * spec.weight / share)
    shares = _split(specs, weights)
    return [(spec, points, table[spec.idea].id) for spec, points in zip(specs, shares)]


def _split(specs: list, weights: list[float]) -> list[float]:
    """Each question's points split over its tests by weight, exactly (split_points)."""
    shares = [0.0] * len(specs)
    for qid in dict.fromkeys(s.question for s in specs):
        mine = [i for i, s in enumerate(specs) if s.question == qid]
        for i, points in zip(mine, split_points(_base(qid), [weights[i] for i in mine])):
            shares[i] = points
    return shares


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
    # callees' tests before their callers' (the engine starts them on a fresh load): a
    # function's own verdict, which may excuse its callers, comes from answers given before any
    # caller was asked in that load
    return [spec.build(examples_per_test, shrink=shrink, seed=seed, points=points, idea=idea)
            for module in modules(torch_track)
            for spec, points, idea in sorted(_points(module), key=lambda t: _order(t[0]))]


def _order(spec) -> tuple[int, bool]:
    """Within a question, a function's tests run after its callees' (callees first), and a
    test that excuses a failure by the student's own answers (``s.either``) after the plain
    ones: each weighs a failure against what the functions were charged with already
    (:mod:`autograder.hidden.callees`). Stable: the declared order otherwise."""
    from .callees import depth
    from .framework import PARAMS

    level = max((depth(f, tuple(PARAMS)) for f in spec.functions), default=0)
    return level, "either" in spec.check.__code__.co_names


__all__ = ["all_ideas", "declared", "hidden_test", "hidden_tests", "modules"]
