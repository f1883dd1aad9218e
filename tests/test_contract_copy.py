"""The repository holds its own specification: docs/assignment-api.md is the course's contract
(``../shared/spec/assignment-api.md`` next to the checkout, where it exists), word for word, and
the README and DESIGN.md point at the repository's copy."""
import difflib

import pytest

from autograder.paths import ROOT

COPY = ROOT / "docs" / "assignment-api.md"
COURSE = ROOT.parent / "shared" / "spec" / "assignment-api.md"


def test_the_copy_agrees_with_the_courses_contract():
    if not COURSE.is_file():
        pytest.skip(f"no course contract at {COURSE} (a clone on its own): nothing to compare")
    ours, theirs = COPY.read_text(encoding="utf-8"), COURSE.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(theirs.splitlines(True), ours.splitlines(True),
                                        str(COURSE), str(COPY), n=1))
    assert ours == theirs, (f"expected {COPY} to be a copy of {COURSE}, got these differences; "
                            f"copy the course's file over (cp {COURSE} {COPY}):\n{diff[:4000]}")


@pytest.mark.parametrize("page", ["README.md", "docs/DESIGN.md"])
def test_the_docs_point_at_the_repositorys_copy(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    assert "docs/assignment-api.md" in text, f"expected {page} to name docs/assignment-api.md"
