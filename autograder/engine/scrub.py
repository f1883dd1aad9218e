"""Keep the reference's and the hidden tests' source out of what students see.

The worker cannot read those files where the engine confines it (another user, Landlock); this
is the second line. Every piece of text that comes from the worker (an exception's message and
type, a cell's error, a returned string, a dict key, a tensor's device) passes through
:func:`scrub` in :mod:`autograder.engine.client`, which cuts every line of their code that is
long enough to be distinctive. Only text from the worker is scrubbed: the hints that the hidden
tests write may quote the reference on purpose. It catches verbatim copies only; the confinement
is what stops the rest.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET_FILES = (("reference", "*.py"), ("autograder/hidden", "*.py"),
                ("assignments", "**/hidden.py"), ("assignments", "**/question.py"))
"""(folder, glob): the reference, the hidden-test framework, and each question folder's hidden
tests and ideas"""
MIN_LINE = 20  # shorter lines (``return out``, ``import numpy as np``) are too common to tell
REMOVED = "[removed]"


def _docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers of docstrings (the reference's are public: the student template has them)."""
    lines = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def _code_lines(source: str, skip_docstrings: bool) -> set[str]:
    try:
        docstrings = _docstring_lines(ast.parse(source)) if skip_docstrings else set()
    except SyntaxError:
        docstrings = set()
    found = set()
    for number, line in enumerate(source.splitlines(), start=1):
        if number in docstrings:
            continue
        for text in (line.strip(), line.split("  #")[0].strip()):
            if len(text) >= MIN_LINE:
                found.add(text)
    return found


@functools.lru_cache(maxsize=1)
def secret_lines() -> tuple[str, ...]:
    """Distinctive code lines of the reference and the hidden tests, longest first (and their
    ``repr`` forms, as they show inside a quoted string)."""
    found: set[str] = set()
    for folder, pattern in SECRET_FILES:
        for path in sorted((ROOT / folder).glob(pattern)):
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found |= _code_lines(source, skip_docstrings=folder == "reference")
    found |= {repr(line)[1:-1] for line in found}
    return tuple(sorted(found, key=lambda line: (-len(line), line)))


@functools.lru_cache(maxsize=1)
def _by_prefix() -> dict[str, tuple[str, ...]]:
    """The secret lines by their first MIN_LINE characters."""
    index: dict[str, list[str]] = {}
    for line in secret_lines():
        index.setdefault(line[:MIN_LINE], []).append(line)
    return {prefix: tuple(lines) for prefix, lines in index.items()}


def scrub(text: str) -> str:
    """``text`` without any line of the reference's or the hidden tests' code. Linear in the
    length of ``text`` (whatever the worker sends, this stays cheap)."""
    if len(text) < MIN_LINE:
        return text
    index = _by_prefix()
    windows = {text[i:i + MIN_LINE] for i in range(len(text) - MIN_LINE + 1)}
    candidates = {line for prefix in windows & index.keys() for line in index[prefix]}
    for line in sorted(candidates, key=lambda line: (-len(line), line)):
        if line in text:
            text = text.replace(line, REMOVED)
    return text
