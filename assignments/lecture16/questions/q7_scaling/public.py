"""q7_scaling: its public cases and their hints: the checks
``grader.check("q7_scaling")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import PublicCase, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "training_flops": (
        "C = 6 * N * D: about 2 FLOPs per parameter per token forward and 4 backward (2 N D is "
        "the forward pass alone)."),
    "chinchilla_optimal": (
        "Put D = tokens_per_param * N into C = 6 N D: N = sqrt(C / (6 * tokens_per_param)) and "
        "D = tokens_per_param * N. A budget that is not positive raises ValueError."),
    "fit_power_law": (
        "Fit the least-squares line log y = log a - alpha * log x through (log x, log y) with "
        "natural logs (np.polyfit(np.log(x), np.log(y), 1) gives slope and intercept): alpha = "
        "-slope (positive when the loss falls) and a = exp(intercept). Lists are fine."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "fit_power_law": (
        "fit_power_law leaves its inputs unchanged",
        "Compute new arrays (`log_x = np.log(x)`), not in place (`np.log(x, out=x)`, "
        "`x /= ...`)."),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    sizes = np.array([1e6, 4e6, 16e6, 64e6])  # model sizes, and losses near 8 * N ** -0.1
    losses = np.array([2.0, 1.72, 1.54, 1.33])
    return [
        PublicCase(q, "training_flops", (175e9, 300e9), {},
                   "the lecture's example, GPT-3: 6 * 175e9 parameters * 300e9 tokens = "
                   "3.15e23 FLOPs (2 N D would be the forward pass alone)", rtol=1e-9),
        PublicCase(q, "chinchilla_optimal", (3.15e23,), {},
                   "the lecture's example: GPT-3's budget is best spent on about 5.1e10 "
                   "parameters and 1.0e12 tokens (20 tokens per parameter, 6 N D = C)"),
        PublicCase(q, "chinchilla_optimal", (0.0,), {},
                   "a budget that is not positive raises ValueError", raises="ValueError"),
        PublicCase(q, "fit_power_law", (sizes.tolist(), losses.tolist()), {},
                   "four noisy losses as Python lists: the least-squares line through "
                   "(ln x, ln y), as np.polyfit gives (not a line through two of the points); "
                   "alpha = -slope, positive since the loss falls; a = exp(intercept) with "
                   "natural logs (log10 for the fit and exp for a give a wrong a)"),
        unchanged(q, "fit_power_law", (sizes.copy(), losses.copy()), {}, ("arg0", "arg1")),
        PublicCase(q, "fit_power_law", ([1e6, 4e6, 16e6], [2.0, 0.0, 1.5]), {},
                   "a loss of 0 has no logarithm: a value that is not positive raises "
                   "ValueError (np.log would give -inf and a meaningless fit)", raises="ValueError",
                   hint="Check every x and y before fitting and raise ValueError unless "
                        "every value is positive (np.min of each); np.log of 0 or of a negative "
                        "number gives -inf or nan, not an error."),
    ]
