"""Hidden property-based tests (never shipped to students).

:func:`hidden_tests` lists every graded test in a stable order: q1..q5, then t1..t3 when the
torch track is on. A numpy question's tests carry its points (they add up to the question's
points in :mod:`autograder.questions`); a torch question's tests carry relative weights that
add up to 1.0 (the engine scales them by the configured extra credit).
"""
from __future__ import annotations

from autograder.engine.api import HiddenTest

from . import q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization

NUMPY_MODULES = (q1_chunking, q2_causal_mask, q3_cross_entropy, q4_perplexity, q5_optimization)


def hidden_tests(examples_per_test: int = 50, torch_track: bool = False, *,
                 shrink: bool = True, seed: int | None = None) -> list[HiddenTest]:
    """Every graded test, in a stable order, each running ``examples_per_test`` hypothesis
    examples. The torch-track tests never import torch in this process.

    ``shrink=False`` gives the same verdicts without minimizing failing inputs (faster, for
    bulk checks such as a bug catalogue); ``seed`` replaces the derandomized examples with
    those of this seed (for a flakiness sweep). Grading uses the defaults.
    """
    specs = [spec for module in NUMPY_MODULES for spec in module.TESTS]
    if torch_track:
        from . import torch_track as torch_module

        specs += torch_module.TESTS
    return [spec.build(examples_per_test, shrink=shrink, seed=seed) for spec in specs]


__all__ = ["hidden_tests"]
