"""q3_cross_entropy: its public cases and their hints: the checks
``grader.check("q3_cross_entropy")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import (PublicCase, rng_array, lecture_logits,
                                                LECTURE_PROBS, BETTER_PROBS, unchanged)

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "log_softmax": (
        "log_softmax(x) = x - log(sum(exp(x))) over the last axis; subtract each row's max "
        "first (it does not change the result) so that exp never overflows at logits of 1e4."),
    "cross_entropy": (
        "The loss at one position is -log p(true token) = -log_softmax(logits)[..., target] "
        "(natural log); reduction='mean' averages over the positions whose target is not "
        "ignore_index, 'sum' adds them up, 'none' keeps one loss per position (0.0 where "
        "ignored)."),
    "cross_entropy_grad": (
        "The gradient of the mean loss is (softmax(logits) - onehot(targets)) / N, with N the "
        "number of positions not ignored; ignored positions get rows of zeros."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "log_softmax": (
        "log_softmax leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
    "cross_entropy": (
        "cross_entropy leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
    "cross_entropy_grad": (
        "cross_entropy_grad leaves its inputs unchanged",
        "Compute new arrays (`shifted = logits - logits.max(...)`) instead of updating the inputs "
        "in place (`logits -= ...`, `targets[...] = 0`)."),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    logits = rng_array(rng, (2, 3, 5))  # (B, T, V)
    targets = np.array([[2, 0, 4], [1, 1, 3]])
    ignored = np.array([[2, -100, 4], [-100, 1, 3]])
    return [
        PublicCase(q, "log_softmax", (np.array([[1e4, 0.0, -1e4]]),), {},
                   "logits of magnitude 1e4: finite and exact (subtract the max before exp)",
                   atol=1e-6),
        PublicCase(q, "log_softmax", (rng_array(rng, (2, 5)),), {},
                   "two rows of 5 logits: each row's exp sums to 1"),
        PublicCase(q, "log_softmax", (rng_array(rng, (2, 2, 3), scale=3.0),), {},
                   "a (B, T, V) array: log_softmax over the last axis only"),
        PublicCase(q, "cross_entropy", (lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: p = [0.1, 0.2, 0.5, 0.15, 0.05] over [the, cat, sat, "
                   "on, mat], true token 'sat': -log(0.5) = 0.69", lecture=0.69),
        PublicCase(q, "cross_entropy", (lecture_logits(BETTER_PROBS), np.array([2])), {},
                   "the lecture's better guess, p('sat') = 0.85: -log(0.85) = 0.16",
                   lecture=0.16),
        PublicCase(q, "cross_entropy", (logits, targets), {},
                   "a (B=2, T=3, V=5) batch: the mean over all 6 positions"),
        PublicCase(q, "cross_entropy", (logits, ignored), {"ignore_index": -100},
                   "ignore_index=-100: the 2 ignored positions count for nothing, the mean is "
                   "over the other 4"),
        PublicCase(q, "cross_entropy", (logits, targets), {"reduction": "sum"},
                   "reduction='sum': the sum of the 6 per-position losses"),
        PublicCase(q, "cross_entropy", (logits, ignored),
                   {"ignore_index": -100, "reduction": "none"},
                   "reduction='none': one loss per position, shape (2, 3), 0.0 where ignored"),
        PublicCase(q, "cross_entropy", (logits[:1, :2], np.array([[-100, -100]])),
                   {"ignore_index": -100},
                   "every position ignored: the mean over no positions is nan, as in PyTorch"),
        PublicCase(q, "cross_entropy_grad", (lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: softmax - onehot = [0.1, 0.2, -0.5, 0.15, 0.05]"),
        PublicCase(q, "cross_entropy_grad", (logits, targets), {},
                   "a (B=2, T=3, V=5) batch: (softmax - onehot) / 6, the mean's gradient"),
        PublicCase(q, "cross_entropy_grad", (logits, ignored), {"ignore_index": -100},
                   "ignore_index=-100: zero rows where ignored, the others divided by 4"),
        unchanged(q, "log_softmax", (logits,), {}, ("arg0",)),
        unchanged(q, "cross_entropy", (logits, ignored), {"ignore_index": -100},
                  ("arg0", "arg1")),
        unchanged(q, "cross_entropy_grad", (logits, ignored), {"ignore_index": -100},
                  ("arg0", "arg1")),
    ]
