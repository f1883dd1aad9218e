"""The kinds of catalog entries: a realistic :class:`Bug`, and a :class:`Correct` solution
written differently. A question folder's ``catalog.py`` builds its lists from them."""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from typing import Callable


class EditError(ValueError):
    """A bug's edit no longer applies: the text it replaces is not (or not once) in the
    function it edits. The reference was edited: update the catalog entry."""


@functools.cache
def _reference_functions() -> dict[str, str]:
    """Every reference function as a catalog writes a bug: the whole ``def``, its docstring left
    out (comments stay)."""
    from autograder.build.source import read_functions

    sources = {}
    for name, fn in read_functions().items():
        lines = fn.source.splitlines()
        if fn.docstring:
            first = ast.parse(fn.source).body[0].body[0]
            del lines[first.lineno - 1:first.end_lineno]
        sources[name] = "\n" + "\n".join(lines) + "\n"
    return sources


def reference_function(name: str) -> str:
    """The reference's function ``name`` as a catalog writes a bug (its docstring left out)."""
    functions = _reference_functions()
    if name not in functions:
        raise EditError(f"expected a reference function, got function={name!r}; name one of "
                        f"{sorted(functions)}")
    return functions[name]


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

    says: tuple[str, ...] = ()
    """words (any case) that the feedback of a failing test of its own question holds, all of
    them in one message: the detail or the hint speaks of this mistake, not of another
    (tests/test_feedback.py)"""

    @property
    def idea_id(self) -> str:
        return f"{self.question}:{self.idea}" if self.idea else ""

    @classmethod
    def edit(cls, name: str, question: str, description: str, *, function: str,
             replace: list[tuple[str, str]], base: str = "", **fields) -> Bug:
        """A bug that is one function with a few exact edits: the reference's ``function``
        (or ``base``, a student's version of it that several bugs share), each ``(old, new)``
        of ``replace`` in turn replacing the one place where ``old`` stands."""
        source = base or reference_function(function)
        for old, new in replace:
            if source.count(old) != 1:
                raise EditError(
                    f"expected the text to replace once in {function}, got bug={name!r}, "
                    f"count={source.count(old)}, text={old!r}; the function was edited since: "
                    "update this bug's edit to the function as it is now")
            source = source.replace(old, new)
        return cls(name, question, description, source, **fields)


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
