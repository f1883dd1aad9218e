"""q6_finetuning: its public cases and their hints: the checks
``grader.check("q6_finetuning")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

import reference

from assignments.lecture16.public_cases import PublicCase, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "sft_example": (
        "The sequence is prompt + response, then eos_id when it is not None (0 is a valid id); "
        "inputs = seq[:-1] and targets = seq[1:] (position t predicts token t+1); the targets "
        "at positions t before len(prompt) - 1 become ignore_index, so the loss learns the "
        "response only (the last prompt position predicts the first response token and "
        "counts). Raise ValueError for an empty prompt or response; int64 arrays."),
    "pad_batch": (
        "Two (n, L) int64 arrays, L the longest example: inputs filled with pad_id and targets "
        "with ignore_index (never pad_id: padding must not be learned), each example copied "
        "into the start of its row (right padding). No examples: shapes (0, 0)."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "sft_example": (
        "sft_example leaves its inputs unchanged",
        "Build a new list: `seq = list(prompt_ids) + list(response_ids)`, not "
        "`prompt_ids += response_ids`, `.extend(...)` or `.append(eos_id)` on the prompt."),
    "pad_batch": (
        "pad_batch leaves its inputs unchanged",
        "Copy each example into a new batch array (`inputs[i, :len(x)] = x`); do not pad the "
        "examples' own arrays or lists in place."),
}


# parameter names, for naming what an "argN"/"gradN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "sft_example": ("prompt_ids", "response_ids"),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    two = [reference.sft_example([4, 5, 6], [7, 8], eos_id=0),
           reference.sft_example([9], [3, 2, 1], eos_id=0)]
    return [
        PublicCase(q, "sft_example", ([5, 6, 7], [8, 9]), {"eos_id": 0},
                   "prompt 5 6 7, response 8 9, eos_id=0 (a valid id): the sequence is "
                   "5 6 7 8 9 0; the first 2 targets (prompt tokens) are ignored, the last "
                   "prompt position predicts 8 and counts"),
        PublicCase(q, "sft_example", ([12, 4], [7]), {},
                   "no eos_id: the sequence is 12 4 7, one target ignored, then 7"),
        PublicCase(q, "sft_example", ([3], [4, 5]), {"eos_id": 1},
                   "a 1-token prompt: no target is ignored (position 0 predicts the first "
                   "response token)"),
        PublicCase(q, "sft_example", ([1, 2, 3, 4], [5, 6]), {"ignore_index": -1},
                   "ignore_index=-1: the ignored targets hold -1 (the argument), not -100"),
        PublicCase(q, "sft_example", ([], [4, 5]), {"eos_id": 0},
                   "an empty prompt raises ValueError (an empty response too)",
                   raises="ValueError"),
        PublicCase(q, "sft_example", (np.array([5, 6, 7]), np.array([8, 9])), {"eos_id": 0},
                   "numpy arrays in: the same result, and the prompt and response are left "
                   "unchanged", observe=("return", "arg0", "arg1")),
        PublicCase(q, "pad_batch",
                   ([(np.array([5, 6]), np.array([6, 7])), (np.array([8]), np.array([9]))], 0),
                   {}, "two examples, pad_id=0: the short one is right-padded, its inputs with 0 "
                   "and its targets with -100"),
        PublicCase(q, "pad_batch", ([], 0), {}, "no examples: two int64 arrays of shape (0, 0)"),
        unchanged(q, "sft_example", ([4, 5, 6], [7, 8]), {"eos_id": 0}, ("arg0", "arg1")),
        unchanged(q, "pad_batch", (two, 2), {}, ("arg0",)),
    ]
