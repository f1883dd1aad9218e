"""q4_perplexity: its public cases and their hints: the checks
``grader.check("q4_perplexity")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import (PublicCase, rng_array, lecture_logits,
                                                LECTURE_PROBS, unchanged)

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "perplexity": (
        "Perplexity = exp(mean cross-entropy) with the natural log (np.exp, not 2 ** ...): a "
        "model that is uniform over V tokens has perplexity V."),
    "corpus_perplexity": (
        "Every token counts the same: exp(sum(losses * counts) / sum(counts)), not the mean of "
        "the per-batch perplexities (nor exp of the unweighted mean loss)."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "perplexity": (
        "perplexity leaves its inputs unchanged",
        "Compute new arrays instead of changing the inputs (`targets[...] = 0`, "
        "`logits -= ...`)."),
    "corpus_perplexity": (
        "corpus_perplexity leaves its inputs unchanged",
        "Compute new arrays instead of changing the inputs (`losses *= counts`)."),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    return [
        PublicCase(q, "perplexity", (np.zeros((2, 3, 50)), np.array([[1, 2, 3], [4, 5, 6]])),
                   {}, "a uniform model over V=50 tokens has perplexity 50", lecture=50.0),
        PublicCase(q, "perplexity", (lecture_logits(LECTURE_PROBS), np.array([2])), {},
                   "the lecture's example: exp(-log(0.5)) = 2, as unsure as a choice between 2 "
                   "tokens", lecture=2.0),
        PublicCase(q, "perplexity", (rng_array(rng, (2, 3, 4), scale=2.0),
                                     np.array([[0, 3, -100], [2, -100, 1]])),
                   {"ignore_index": -100},
                   "a batch with ignore_index=-100: exp of the mean over the 4 positions kept"),
        PublicCase(q, "corpus_perplexity", ([0.69, 2.3], [300, 100]), {},
                   "a big batch that went well (300 tokens, loss 0.69) and a small one that "
                   "went badly (100 tokens, loss 2.3): exp(437 / 400), not the mean of the "
                   "batch perplexities"),
        PublicCase(q, "corpus_perplexity", (np.array([1.2, 0.8, 1.0]), np.array([64, 64, 64])),
                   {}, "three batches of 64 tokens each, as numpy arrays: exp(1.0)"),
        unchanged(q, "perplexity", (rng_array(rng, (2, 3, 4)),
                                    np.array([[0, 3, 0], [2, 0, 1]])), {"ignore_index": 0},
                  ("arg0", "arg1")),
        unchanged(q, "corpus_perplexity", (np.array([0.69, 2.3]), np.array([300, 100])), {},
                  ("arg0", "arg1")),
    ]
