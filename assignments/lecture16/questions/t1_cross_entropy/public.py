"""t1_cross_entropy: its public cases and their hints: the checks
``grader.check("t1_cross_entropy")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import copy

import numpy as np

import reference

from assignments.lecture16.public_cases import PublicCase, rng_array, lecture_logits, LECTURE_PROBS

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "cross_entropy_torch": (
        "The same loss as cross_entropy, the mean, written with torch operations (logsumexp "
        "for a stable log_softmax); F.cross_entropy, F.nll_loss and nn.CrossEntropyLoss are "
        "not allowed. Keep it differentiable: no .numpy(), .item() or .detach() on the way, so "
        "that loss.backward() reaches the logits."),
}


# parameter names, for naming what an "argN"/"gradN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "cross_entropy_torch": ("logits", "targets"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = "t1_cross_entropy"
    logits = rng_array(rng, (2, 3, 5))
    return [
        PublicCase(q, "cross_entropy_torch", (lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example on tensors: -log(0.5) = 0.69", lecture=0.69),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, 0, 4], [1, 1, 3]])), {},
                   "a (B=2, T=3, V=5) batch: the mean over all 6 positions"),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, -100, 4], [-100, 1, 3]])),
                   {"ignore_index": -100},
                   "ignore_index=-100: the mean over the 4 positions kept"),
        PublicCase(q, "cross_entropy_torch",
                   (np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]]), np.array([1, 1])), {},
                   "logits of magnitude 1e4: finite (a stable log_softmax)"),
        PublicCase(q, "cross_entropy_torch", (logits, np.array([[2, 0, 4], [1, 1, 3]])), {},
                   "differentiable: loss.backward() gives the logits the gradient "
                   "(softmax - onehot) / N", observe=("grad0",)),
    ]


def expected(case: PublicCase):
    """What a case's torch function computes, with the numpy reference (the same math)."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    if case.function == "cross_entropy_torch":
        if case.observe == ("grad0",):
            return reference.cross_entropy_grad(*args, **kwargs)
        return reference.cross_entropy(*args, **kwargs)
    raise KeyError(f"expected a function of {ID}, got {case.function!r}")
