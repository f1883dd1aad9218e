"""Ideas: the concepts each question's hidden tests check, and the points that follow them.

A question module declares its ideas in one table, read by :func:`autograder.hidden.hidden_tests`
(the instructor changes a weight there and the points follow)::

    IDEAS = ideas(Q, {
        # key: (weight, what the lecture calls it[, ideas whose failure explains this one's])
        "eos": (5, "EOS after every document, the last one included (0 is a real id)"),
        "blocks": (4, "consecutive blocks of block_size, the leftover dropped"),
        "formula": (3, "chunking as a whole", ("eos", "blocks")),
    })

Points: the question's points (autograder.questions) are split over its ideas by weight, and an
idea's points over its tests by the tests' own weights (1 unless a test says otherwise). So a
mistake loses the points of the tests of the idea it breaks.

``after`` (the third item) lists ideas whose failure explains a failure of this one: a test
that compares with the reference on random inputs fails for any mistake, so it comes *after*
the specific ideas; a caller's idea (perplexity) comes after its callee's (cross-entropy) when a
student's function calls their own other function. :func:`charged` uses it to attribute each
mistake once (the class report, verify); the runner uses it to say "probably the same mistake
as ..." under a failure. Keys of another question are written ``"<question id>:<key>"``.

A module without ``IDEAS`` (a question still being written) keeps the points its tests declare,
and each of its tests is an idea of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Idea:
    question: str
    key: str
    weight: float
    text: str
    """the idea in the lecture's words (the class report's row, the before-due-date feedback)"""
    after: tuple[str, ...] = ()
    """qualified ids of the ideas whose failure explains a failure of this one"""

    @property
    def id(self) -> str:
        return f"{self.question}:{self.key}"


def ideas(question: str, table: dict[str, tuple]) -> dict[str, Idea]:
    """The ideas of ``question`` from ``{key: (weight, text[, after])}``."""
    out = {}
    for key, row in table.items():
        weight, text, *rest = row
        after = tuple(a if ":" in a else f"{question}:{a}" for a in (rest[0] if rest else ()))
        if weight <= 0 or not text:
            raise ValueError(f"expected a positive weight and a text for idea {key!r}, got "
                             f"{row!r}")
        out[key] = Idea(question, key, float(weight), text, after)
    return out


def charged(failed: Iterable[str], table: dict[str, Idea]) -> list[str]:
    """The ideas a student is charged with, from the ideas of the tests they failed (in the
    order given): a failed idea that comes ``after`` another failed idea is explained by it and
    not charged again."""
    failed = list(dict.fromkeys(failed))
    seen = set(failed)
    return [i for i in failed if i not in table or not set(table[i].after) & seen]
