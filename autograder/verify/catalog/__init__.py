"""The catalogs that ``verify`` grades: realistic bugs, and correct solutions written differently.

A :class:`Bug` is the reference solution with one or more functions replaced by a buggy version
(``source``: complete ``def``s; a new helper must start with ``_``); it must lose points in
``question``. A :class:`Correct` entry is right but written differently: either functions that
replace the reference's (``source``), or a whole submission rendered from the reference solution
(``render``: a .py text, a notebook, a zip); it must get full marks.

One module per question for the bugs, ``correct.py`` and ``correct_q6_q7.py`` for the
function-level correct variants and ``submissions.py`` for the whole-file ones (notebooks as
students leave them, a zip export).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Bug:
    name: str
    question: str
    description: str
    source: str
    gap: str = ""
    """set when the hidden tests are known to miss this bug: why, and the test that would
    catch it (verify lists it and then requires it *not* to be caught, until the test exists)"""
    idea: str = ""
    """the key of the idea it breaks in its question's ``IDEAS`` (autograder/hidden): verify
    requires every failing test of its question to charge this idea, or one that comes after
    it; "" for a question without ideas"""

    @property
    def idea_id(self) -> str:
        return f"{self.question}:{self.idea}" if self.idea else ""


def labelled(bugs: list[Bug], table: dict[str, str]) -> list[Bug]:
    """``bugs`` with the idea each breaks, from ``{bug name: idea key}`` (every bug named)."""
    from dataclasses import replace

    missing = [b.name for b in bugs if b.name not in table and not b.idea]
    extra = sorted(set(table) - {b.name for b in bugs})
    if missing or extra:
        raise ValueError(f"expected an idea for every bug and no other name, got missing="
                         f"{missing}, unknown={extra}")
    return [replace(b, idea=b.idea or table[b.name]) for b in bugs]


@dataclass(frozen=True)
class Correct:
    name: str
    description: str
    source: str = ""
    """replacement functions (like a Bug's), or '' when ``render`` makes the whole submission"""
    render: Callable[[str], bytes] | None = None
    """the reference solution's text -> the submission's bytes"""
    suffix: str = ".py"


def _bugs() -> list[Bug]:
    from . import bugs_q1, bugs_q2, bugs_q3, bugs_q4, bugs_q5, bugs_q6, bugs_q7

    return [*bugs_q1.BUGS, *bugs_q2.BUGS, *bugs_q3.BUGS, *bugs_q4.BUGS, *bugs_q5.BUGS,
            *bugs_q6.BUGS, *bugs_q7.BUGS]


def _correct() -> list[Correct]:
    from . import correct, correct_q6_q7, submissions

    return [*correct.CORRECT, *correct_q6_q7.CORRECT, *submissions.CORRECT]


BUGS: list[Bug] = _bugs()
CORRECT: list[Correct] = _correct()

__all__ = ["BUGS", "CORRECT", "Bug", "Correct"]
