"""t2_causal_attention: its public cases and their hints: the checks
``grader.check("t2_causal_attention")`` runs in the notebook, and visible 0-point tests on
Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import copy

import numpy as np

import reference

from assignments.lecture16.public_cases import PublicCase, rng_array

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "causal_attention_torch": (
        "The same as causal_attention on tensors: masked_fill the future (j after i) with "
        "-inf before torch.softmax; F.scaled_dot_product_attention is not allowed."),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = "t2_causal_attention"
    big = np.array([[[100.0], [-100.0], [100.0]]])
    return [
        PublicCase(q, "causal_attention_torch",
                   (np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.array([[[1.0], [2.0], [6.0]]])),
                   {}, "equal scores: uniform weights over the past and present, a running mean "
                   "of v"),
        PublicCase(q, "causal_attention_torch",
                   (rng_array(rng, (2, 4, 3)), rng_array(rng, (2, 4, 3)),
                    rng_array(rng, (2, 4, 2))), {},
                   "a batch of 2 sequences, T=4, d=3, dv=2: future weights exactly 0"),
        PublicCase(q, "causal_attention_torch", (big, big, np.array([[[1.0], [2.0], [3.0]]])),
                   {}, "scores of magnitude 1e4: still finite", atol=1e-7),
    ]


def expected(case: PublicCase):
    """What a case's torch function computes, with the numpy reference (the same math)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if case.function == "causal_attention_torch":
        return reference.causal_attention(*args, **kwargs)
    raise KeyError(f"expected a function of {ID}, got {case.function!r}")
