"""Hidden property-based tests (never shipped to students).

:func:`hidden_tests` lists every graded test in a stable order: q1..q7, then t1..t3 when the
torch track is on. A numpy question's points (autograder.questions, the one place points live)
are split over the ideas of its module's ``IDEAS`` table and then over each idea's tests
(:mod:`autograder.hidden.ideas`); in a module without that table the points its tests declare
are weights, scaled to the question's points. A torch question's tests carry relative weights
that add up to 1.0 (the engine scales them by the configured extra credit).
"""
from __future__ import annotations

from autograder.engine.api import HiddenTest
from autograder.questions import BY_ID

from . import (q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization,
               q6_finetuning, q7_scaling)
from .ideas import Idea

NUMPY_MODULES = (q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization,
                 q6_finetuning, q7_scaling)


def _points(module) -> list[tuple[object, float | None, str]]:
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
        points = BY_ID[spec.question].points * idea.weight / total * spec.weight / share
        out.append((spec, round(points, 9), idea.id))
    return out


def modules(torch_track: bool = False) -> list:
    """The question modules, numpy track first."""
    found = list(NUMPY_MODULES)
    if torch_track:
        from . import torch_track as torch_module

        found.append(torch_module)
    return found


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
