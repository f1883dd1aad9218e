"""Read a submission into statements for the worker. Only parsing happens here: no student code
runs in the grader. What cannot be read raises :class:`SubmissionError` with a message for the
student.

Which file of a folder or zip is graded is :mod:`autograder.engine.choose`'s rule; how a
notebook or ``.py`` file becomes statements (IPython's own input transformation, magics and
shell lines dropped, ``skip-grading`` cells left out, otter's calls ignored) is
:mod:`autograder.engine.pysource`'s. Each top-level statement is one :class:`Cell` for the
worker, so that one failing statement (an import of a package the grader lacks, a demo call)
costs only what depends on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Sequence

from autograder.engine import choose, pysource  # noqa: F401 (choose: the rule the runner applies)

MAX_BYTES = choose.MAX_FILE_BYTES


class SubmissionError(Exception):
    """The submission cannot be read; the message says why, for the student."""


@dataclass(frozen=True)
class Cell:
    """One statement to run: ``source``'s first line is line ``line`` of its cell or file."""

    label: str
    """where it comes from, e.g. ``cell 7, line 3`` or ``solution.py line 12``"""
    source: str
    line: int = 1
    binds: tuple[str, ...] = ()
    """the top-level names it binds (to explain a missing name when it fails)"""


@dataclass(frozen=True)
class Submission:
    name: str
    kind: str  # "notebook" or "python"
    cells: tuple[Cell, ...]

    @property
    def as_main(self) -> bool:
        """Notebooks run as ``__main__`` (as Jupyter does); a .py file's main guard stays off."""
        return self.kind == "notebook"


def from_statements(statements: Sequence[pysource.Statement], name: str) -> Submission:
    kind = "notebook" if name.lower().endswith(".ipynb") else "python"
    cells = tuple(Cell(s.label, s.source, s.line, s.binds) for s in statements)
    if not cells:
        raise SubmissionError(f"{name} holds no code to run")
    return Submission(name, kind, cells)


def from_bytes(data: bytes, name: str, functions: Sequence[str]) -> Submission:
    """A submission from a file's bytes; ``functions``: the assignment's function names (a
    notebook statement that defines one is kept whole)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in (".ipynb", ".py"):
        raise SubmissionError(f"expected a .ipynb, .py or .zip file, got {name}")
    try:
        return from_statements(pysource.statements(data, name, functions), name)
    except pysource.SourceError as e:
        raise SubmissionError(str(e)) from e
