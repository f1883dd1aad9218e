"""Hidden property-based tests (never shipped to students).

:func:`hidden_tests` lists every graded test in a stable order: q1..q7, then t1..t3 when the
torch track is on. The points a question module gives its tests are weights: each numpy
question's tests are scaled to add up to the question's points in :mod:`autograder.questions`
(the one place points live); a torch question's tests carry relative weights that add up to 1.0
(the engine scales them by the configured extra credit).
"""
from __future__ import annotations

import dataclasses

from autograder.engine.api import HiddenTest
from autograder.questions import BY_ID

from . import (q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization,
               q6_finetuning, q7_scaling)

NUMPY_MODULES = (q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization,
                 q6_finetuning, q7_scaling)


def _scaled_to_points(specs: list) -> list:
    """The specs with their points scaled so that each question's tests add up to its points in
    questions.py (unchanged where they already do)."""
    totals: dict[str, float] = {}
    for spec in specs:
        totals[spec.question] = totals.get(spec.question, 0.0) + spec.points
    scaled = []
    for spec in specs:
        points, total = BY_ID[spec.question].points, totals[spec.question]
        if total != points:
            spec = dataclasses.replace(spec, points=spec.points * points / total)
        scaled.append(spec)
    return scaled


def hidden_tests(examples_per_test: int = 50, torch_track: bool = False, *,
                 shrink: bool = True, seed: int | None = None) -> list[HiddenTest]:
    """Every graded test, in a stable order, each running ``examples_per_test`` hypothesis
    examples. The torch-track tests never import torch in this process.

    ``shrink=False`` gives the same verdicts without minimizing failing inputs (faster, for
    bulk checks such as a bug catalogue); ``seed`` replaces the derandomized examples with
    those of this seed (for a flakiness sweep). Grading uses the defaults.
    """
    specs = _scaled_to_points([spec for module in NUMPY_MODULES for spec in module.TESTS])
    if torch_track:
        from . import torch_track as torch_module

        specs += torch_module.TESTS
    return [spec.build(examples_per_test, shrink=shrink, seed=seed) for spec in specs]


__all__ = ["hidden_tests"]
