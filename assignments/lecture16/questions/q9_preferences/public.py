"""q9_preferences: its public cases and their hints: the checks
``grader.check("q9_preferences")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import PublicCase, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "preference_loss": (
        "With `margin = r_chosen - r_rejected`: `loss = np.mean(np.logaddexp(0, -margin))` "
        "(that is -log sigmoid(margin), without overflow), `d_chosen = -sigmoid(-margin) / n` "
        "and `d_rejected = -d_chosen`, with `sigmoid(-margin) = np.exp(-np.logaddexp(0, "
        "margin))`. Raise ValueError for empty or mismatched inputs."),
    "dpo_loss": (
        "`z = beta * ((policy_chosen_logp - ref_chosen_logp) - (policy_rejected_logp - "
        "ref_rejected_logp))`, then `np.mean(np.logaddexp(0, -z))`: beta multiplies the margin "
        "inside the loss. Raise ValueError when beta is not positive."),
}

UNCHANGED: dict[str, tuple[str, str]] = {
    "preference_loss": (
        "preference_loss leaves its inputs unchanged",
        "Compute `margin = r_chosen - r_rejected` as a new array; never `r_chosen -= ...` or "
        "`np.subtract(..., out=r_chosen)`."),
    "dpo_loss": (
        "dpo_loss leaves its inputs unchanged",
        "Compute the log-ratios as new arrays (`policy_chosen_logp - ref_chosen_logp`); never "
        "`-=` on an argument."),
}

PARAMETERS: dict[str, tuple[str, ...]] = {
    "preference_loss": ("r_chosen", "r_rejected"),
    "dpo_loss": ("policy_chosen_logp", "policy_rejected_logp", "ref_chosen_logp",
                 "ref_rejected_logp"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    chosen, rejected = rng.normal(size=5), rng.normal(size=5)
    logps = [-np.abs(rng.normal(10.0, 3.0, size=4)) for _ in range(4)]
    return [
        PublicCase(q, "preference_loss", (np.array([2.0]), np.array([0.0])), {},
                   "one pair, the chosen reward 2 above the rejected: loss log(1 + e**-2) = 0.127, "
                   "d_chosen = -sigmoid(-2) = -0.119, d_rejected = +0.119"),
        PublicCase(q, "preference_loss", (np.array([1.5, -0.5]), np.array([1.5, -0.5])), {},
                   "ties: the model cannot tell them apart, loss log 2 = 0.693 and gradients "
                   "-/+ 0.5 / n"),
        PublicCase(q, "preference_loss", (chosen, rejected), {},
                   "5 random pairs: the mean over pairs, gradients divided by n = 5"),
        PublicCase(q, "preference_loss", (np.array([-1000.0, 1000.0]), np.array([0.0, 0.0])),
                   {}, "margins of -1000 and +1000: finite, loss (1000 + 0) / 2 = 500 "
                   "(log(sigmoid(-1000)) is log(0))"),
        PublicCase(q, "preference_loss", (np.array([]), np.array([])), {},
                   "no pairs raises ValueError", raises="ValueError"),
        PublicCase(q, "dpo_loss", (np.array([-5.0]), np.array([-7.0]), np.array([-5.0]),
                                   np.array([-7.0])), {},
                   "the policy's log-probabilities equal the ref model's: z = 0, loss log 2 = "
                   "0.693"),
        PublicCase(q, "dpo_loss", tuple(logps), {"beta": 0.5},
                   "4 random pairs, beta = 0.5: beta scales the margin inside -log sigmoid"),
        PublicCase(q, "dpo_loss", tuple(logps), {},
                   "the same pairs with the default beta = 0.1"),
        PublicCase(q, "dpo_loss", tuple(logps), {"beta": 0.0},
                   "beta = 0 raises ValueError", raises="ValueError"),
        unchanged(q, "preference_loss", (chosen, rejected), {}, ("arg0", "arg1")),
        unchanged(q, "dpo_loss", tuple(logps), {}, ("arg0", "arg1", "arg2", "arg3")),
    ]
