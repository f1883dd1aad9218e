"""q1_chunking: its public cases and their hints: the checks
``grader.check("q1_chunking")`` runs in the notebook, and visible 0-point tests on Gradescope.

Gathered by ``assignments/lecture16/public_cases.py`` (which says how a case is called,
observed and compared); the expected values come from the reference."""
from __future__ import annotations

import numpy as np

from assignments.lecture16.public_cases import PublicCase, unchanged

from .question import ID

# hints, in the lecture's terms (a case's hint unless it gives its own)
HINTS: dict[str, str] = {
    "chunk_tokens": (
        "Concatenate the documents in order into one stream, with eos_id after every document "
        "when it is given (the last one too; 0 is a valid id, so test `eos_id is not None`), "
        "cut the stream into consecutive blocks of block_size tokens and drop the leftover at "
        "the end: no padding, and an int array of shape (n_blocks, block_size)."),
    "next_token_pairs": (
        "Position t predicts token t+1: the inputs are every block without its last token, "
        "the targets every block without its first token, both of shape (n, L - 1)."),
}


# "Inputs are never modified": one case per function whose hidden tests check it, with the
# hidden test's description and hint (tests/test_public_checks.py checks they stay the same).
UNCHANGED: dict[str, tuple[str, str]] = {
    "chunk_tokens": (
        "chunk_tokens leaves the documents unchanged",
        "Build a new list for the stream (`stream = []; stream.extend(doc)`, or `stream += doc`) "
        "instead of appending to the documents themselves (`doc.append(eos_id)` changes the "
        "caller's list)."),
    "next_token_pairs": (
        "next_token_pairs leaves the blocks unchanged and returns new arrays, not views of them",
        "Slice into new arrays (`blocks[:, :-1].copy()`) instead of changing `blocks` or "
        "returning its slices (views: they change when `blocks` does)."),
}


# parameter names, for naming what an "argN"/"viewsN" observation is
PARAMETERS: dict[str, tuple[str, ...]] = {
    "next_token_pairs": ("blocks",),
}


def cases(rng) -> list[PublicCase]:
    """The public cases, in order; ``rng`` is shared by all questions (in question order)."""
    q = ID
    return [
        PublicCase(q, "chunk_tokens", ([[5, 6, 7], [8, 9]], 3), {"eos_id": 0},
                   "two documents with eos_id=0 (0 is a valid id): the stream is 5 6 7 0 8 9 0, "
                   "two blocks of 3, and the leftover [0] is dropped"),
        PublicCase(q, "chunk_tokens", ([[1, 2, 3], [4, 5, 6, 7, 8]], 4), {},
                   "no eos_id: the 8 tokens divide exactly into two blocks of 4 (nothing left "
                   "over)"),
        PublicCase(q, "chunk_tokens", ([[3, 4], [], [5]], 2), {"eos_id": 9},
                   "an empty document still gets its eos: the stream is 3 4 9 9 5 9"),
        PublicCase(q, "chunk_tokens", ([[2, 3, 4, 5, 6, 7, 8]], 3), {"eos_id": 1},
                   "one long document cut into blocks: 2 3 4 | 5 6 7, the leftover [8, 1] is "
                   "dropped"),
        PublicCase(q, "chunk_tokens", ([[5, 6]], 4), {},
                   "fewer tokens than block_size: no block at all, an int array of shape (0, 4)"),
        PublicCase(q, "next_token_pairs", (np.array([[10, 11, 12, 13]]),), {},
                   "one block: the inputs drop its last token, the targets its first"),
        PublicCase(q, "next_token_pairs", (np.array([[5, 6, 7], [0, 8, 9]]),), {},
                   "two blocks: position t predicts token t+1 within each block"),
        unchanged(q, "chunk_tokens", ([[5, 6, 7], [], [8, 9]], 2), {"eos_id": 0}, ("arg0",)),
        unchanged(q, "next_token_pairs", (np.array([[5, 6, 7], [0, 8, 9]]),), {},
                  ("arg0", "views0")),
    ]
