"""q2_causal_mask: its public cases and their hints: the checks
``grader.check("q2_causal_mask")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import PublicCase, rng_array, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "causal_mask": (
        "mask[i, j] is True where query i may attend to key j: the past and itself (j at or "
        "before i), a lower triangle with the diagonal included, as a bool array of shape "
        "(T, T)."),
    "causal_attention": (
        "scores = q @ k^T / sqrt(d); give the future keys (j after i) a score of -inf before "
        "the softmax, so that their weights are exactly 0 and every row sums to 1; subtract "
        "each row's max before exp to stay finite for scores of 1e4; output = weights @ v. "
        "Return (output, weights)."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "causal_attention": (
        "causal_attention leaves q, k and v unchanged",
        "Compute new arrays (`scores = q @ ... / np.sqrt(d)`) instead of updating the inputs in "
        "place (`q /= np.sqrt(d)`)."),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    big = np.array([[[100.0], [-100.0], [100.0]]])  # (1, T=3, d=1): scores of +-1e4
    return [
        PublicCase(q, "causal_mask", (3,), {},
                   "T=3, the lecture's mask: a lower triangle, the diagonal included"),
        PublicCase(q, "causal_mask", (1,), {}, "T=1: the only token attends to itself"),
        PublicCase(q, "causal_mask", (5,), {}, "T=5: row i is True up to column i, False after"),
        PublicCase(q, "causal_attention",
                   (np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.array([[[1.0], [2.0], [6.0]]])),
                   {}, "equal scores: the weights are uniform over the past and present (rows "
                   "sum to 1, 0 for the future) and the output is a running mean of v"),
        PublicCase(q, "causal_attention",
                   (rng_array(rng, (2, 4, 3)), rng_array(rng, (2, 4, 3)),
                    rng_array(rng, (2, 4, 2))), {},
                   "a batch of 2 sequences, T=4, d=3, dv=2: scaled by sqrt(d), future weights "
                   "exactly 0"),
        PublicCase(q, "causal_attention", (big, big, np.array([[[1.0], [2.0], [3.0]]])), {},
                   "scores of magnitude 1e4: the softmax must stay finite (subtract the row max)",
                   atol=1e-7),
        PublicCase(q, "causal_attention",
                   (rng_array(rng, (1, 2, 3, 2)), rng_array(rng, (1, 2, 3, 2)),
                    rng_array(rng, (1, 2, 3, 2))), {},
                   "leading batch and head axes (B=1, H=2, T=3, d=2) are kept"),
        unchanged(q, "causal_attention", (rng_array(rng, (3, 2)), rng_array(rng, (3, 2)),
                                          rng_array(rng, (3, 1))), {},
                  ("arg0", "arg1", "arg2")),
    ]
