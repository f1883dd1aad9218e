"""q8_accumulation: its public cases and their hints: the checks
``grader.check("q8_accumulation")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import PublicCase, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "accumulate_gradients": (
        "The batch's loss is the mean over all its counted tokens, so weight each micro-batch's "
        "gradient by its number of counted tokens: `sum_k counts[k] * grads[k][name] / "
        "sum(counts)`, for every name. Averaging the gradients (`/ K`) is right only when every "
        "count is the same. Skip a micro-batch with count 0 (its gradient may be nan: "
        "`0 * nan` is nan). Raise ValueError for lists of different lengths, a negative count or "
        "a total of 0."),
}

# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "accumulate_gradients": (
        "accumulate_gradients leaves its inputs unchanged",
        "Build new arrays (`total = total + w * g`, starting from `np.zeros_like(g)`), never "
        "`grads[0][name] += ...` or `*=` on a micro-batch's own array; return a new array even "
        "for a single micro-batch."),
}

PARAMETERS: dict[str, tuple[str, ...]] = {
    "accumulate_gradients": ("grads", "counts"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    one = {"w": np.array([[0.5, -1.0], [2.0, 0.25]]), "b": np.array([0.1, -0.3])}
    four = [{"w": rng.normal(size=(2, 3)), "b": rng.normal(size=3)} for _ in range(4)]
    nan = {"w": np.full(1, np.nan)}
    return [
        PublicCase(q, "accumulate_gradients",
                   ([{"w": np.array([1.0])}, {"w": np.array([5.0])}], [3, 1]), {},
                   "3 tokens with gradient 1.0 and 1 token with gradient 5.0: (3 * 1 + 1 * 5) / 4 "
                   "= 2.0, not the average of the two gradients (3.0)"),
        PublicCase(q, "accumulate_gradients", ([one], [7]), {},
                   "one micro-batch: its own gradient, whatever its count"),
        PublicCase(q, "accumulate_gradients", (four, [8, 8, 8, 8]), {},
                   "4 micro-batches of 8 tokens each: equal counts give the plain average"),
        PublicCase(q, "accumulate_gradients", (four, [8, 2, 5, 1]), {},
                   "4 micro-batches with 8, 2, 5 and 1 counted tokens (padding and ignore_index "
                   "make them unequal): weighted by the counts"),
        PublicCase(q, "accumulate_gradients",
                   ([{"w": np.array([2.0])}, nan, {"w": np.array([4.0])}], [1, 0, 3]), {},
                   "a micro-batch whose every target is ignored (count 0, gradient nan) "
                   "contributes nothing: (1 * 2 + 3 * 4) / 4 = 3.5"),
        PublicCase(q, "accumulate_gradients", ([one, one], [0, 0]), {},
                   "no counted token at all raises ValueError (so do a negative count and lists "
                   "of different lengths)", raises="ValueError"),
        unchanged(q, "accumulate_gradients", (four[:2], [3, 1]), {}, ("arg0", "arg1")),
    ]
