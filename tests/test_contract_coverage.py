"""docs/contract-coverage.md: every promise of the contract and of the docstrings names the hidden
test that checks it, and every hidden test of the numpy track is named there."""
import inspect
import re

import pytest

import reference
from autograder.hidden import hidden_tests
from autograder.paths import ROOT
from autograder.questions import NUMPY_QUESTIONS

PAGE = ROOT / "docs" / "contract-coverage.md"
COMMON = "Numpy track (every question)"


def _sections() -> dict[str, list[tuple[str, str]]]:
    """section title -> its table rows (promise, checked by)."""
    sections, title = {}, ""
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            sections[title] = []
        elif title and line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cells[:2] != ["contract", "checked by"] and len(cells) >= 2:
                sections[title].append((cells[0], cells[1]))
    return sections


@pytest.fixture(scope="module")
def tests():
    numpy_ids = {q.id for q in NUMPY_QUESTIONS}
    return [t for t in hidden_tests(1) if t.question in numpy_ids]


def _named(cell: str, descriptions: set[str]) -> set[str]:
    return {span for span in re.findall(r"`([^`]+)`", cell) if span in descriptions}


def test_every_question_has_a_section_and_every_promise_names_a_hidden_test(tests):
    sections = _sections()
    descriptions = {t.description for t in tests}
    for title in [COMMON, *(q.id for q in NUMPY_QUESTIONS)]:
        assert sections.get(title), f"docs/contract-coverage.md has no table for {title}"
        for promise, checked_by in sections[title]:
            assert "not checked" not in checked_by.lower(), (title, promise)
            assert _named(checked_by, descriptions), (
                f"expected the row {promise!r} of {title} to name a hidden test by its exact "
                f"name in backticks, got {checked_by!r}")


def test_every_hidden_test_is_named_by_a_promise_of_its_question(tests):
    sections = _sections()
    for t in tests:
        rows = sections.get(t.question, []) + sections.get(COMMON, [])
        assert any(t.description in _named(cell, {t.description}) for _, cell in rows), (
            f"docs/contract-coverage.md names no promise that {t.name!r} checks: add the row")


def _docstrings() -> dict[str, str]:
    """spec function -> its reference docstring."""
    return {name: inspect.getdoc(getattr(reference, name)) or ""
            for q in NUMPY_QUESTIONS for name in q.functions}


@pytest.mark.parametrize("promise, says", [
    (r"\n\s*Raises:", ("raises",)),  # a ValueError the docstring promises
    (r"\bint64\b", ("int64", "integer")),  # an int64 result
    (r"not modified|left unchanged|without modifying", ("unchanged",)),
])
def test_every_docstring_promise_has_a_hidden_test_of_its_function(tests, promise, says):
    for name, doc in _docstrings().items():
        returns = doc.split("Returns:", 1)[-1] if promise == r"\bint64\b" else doc
        if not re.search(promise, returns.split("Example")[0]):
            continue
        mine = [t.description for t in tests if name in t.functions]
        assert any(any(word in d for word in says) for d in mine), (
            f"the docstring of {name} promises {promise!r} but no hidden test of {name} says "
            f"{' or '.join(says)}: {mine}")
