"""What a student reads around the hidden tests' verdicts: an untouched stub said once per
function, a failure that an earlier one explains pointed to it, the per-question summary shown
before the due date, and the top line saying what is shown now and what comes later.

Everything here reads verdicts as data (:class:`~autograder.engine.api.Status`, the test's idea),
never the wording of a message.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from autograder.engine.api import HiddenTest, Status, TestOutcome

if TYPE_CHECKING:  # annotations only
    from autograder.engine.api import Question
    from autograder.engine.config import GradingConfig

WIDTH = 100
"""lines of plain-text feedback wrap at word boundaries at this width"""


def wrap(text: str, width: int = WIDTH) -> str:
    """``text`` with every line longer than ``width`` wrapped at word boundaries (never inside
    a word, a `code span` or a URL); blank lines, list markers and indentation are kept."""
    out = []
    for line in text.splitlines():
        if len(line) <= width:
            out.append(line)
            continue
        indent = len(line) - len(line.lstrip(" "))
        marker = line.lstrip(" ")[:2] if line.lstrip(" ")[:2] in ("- ", "* ") else ""
        out += textwrap.wrap(line, width, subsequent_indent=" " * (indent + len(marker)),
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out)


@dataclass
class HiddenRun:
    """What has failed so far while one submission's hidden tests run, in order."""

    ideas: dict[str, Any] = field(default_factory=dict)
    """idea id -> idea (with ``after``: the ideas whose failure explains this one's)"""
    stubs: dict[str, str] = field(default_factory=dict)
    """function -> the first test that found it still the template's stub"""
    failed: dict[str, str] = field(default_factory=dict)
    """idea id -> the first failed test of that idea"""

    def stubbed(self, test: HiddenTest) -> str:
        """The short note for a test of a function already reported as a stub ("" if none)."""
        for function in test.functions:
            if function in self.stubs:
                return (f"Not run: `{function}` is not written yet (it still raises "
                        f"`NotImplementedError`; said once, under \"{self.stubs[function]}\").")
        return ""

    def explain(self, test: HiddenTest, message: str) -> str:
        """``message``, with a pointer to an earlier failure whose idea explains this one."""
        idea = self.ideas.get(test.idea)
        before = [self.failed[i] for i in getattr(idea, "after", ()) if i in self.failed]
        if not before:
            return message
        return (f"{message}\n\n**Probably the same mistake as** \"{before[0]}\", which failed "
                "first: fix that one, and this test may pass too.")

    def record(self, test: HiddenTest, outcome: TestOutcome, function: str = "") -> TestOutcome:
        if outcome.status == Status.NOT_IMPLEMENTED and function:
            self.stubs.setdefault(function, test.description)
        elif not outcome.passed and outcome.status not in Status.NOT_ATTEMPTED + (
                Status.NOT_RUN,) and outcome.idea:
            self.failed.setdefault(outcome.idea, test.name)
        return outcome


def summaries(outcomes: list[TestOutcome], questions: Sequence[Question],
              config: GradingConfig, ideas: dict[str, Any]) -> list[TestOutcome]:
    """Per question, a visible 0-point entry: how many hidden tests failed and the ideas they
    check, without their inputs (all a student sees of them before the due date; its words are
    true after it too). None when the hidden tests
    are visible anyway, or the summary is turned off."""
    if not config.hidden_summary or config.hidden_visibility == "visible":
        return []
    out = []
    for question in questions:
        tests = [t for t in outcomes if t.question == question.id and t.max_score > 0]
        if not tests:
            continue
        failed = [t for t in tests if not t.passed]
        shown = _later(config) or "later"
        lines = [f"**{len(failed)} of {len(tests)} hidden tests failed.** What each one "
                 f"checks (each test's inputs and full feedback are in its own entry, shown "
                 f"{shown}):", ""]
        for t in tests:
            mark = "passed" if t.passed else {
                Status.NOT_IMPLEMENTED: "not written yet", Status.MISSING: "function missing",
                Status.TIMEOUT: "too slow", Status.RAISED: "raised an error",
            }.get(t.status, "failed")
            idea = ideas.get(t.idea)
            about = f" (the idea: {idea.text})" if idea is not None and not t.passed else ""
            lines.append(f"- {mark}: {t.name.split(' ', 1)[1]}{about}")
        out.append(TestOutcome(name=f"{question.id} hidden tests in short",
                               question=question.id, score=0.0, max_score=0.0,
                               passed=not failed, output=wrap("\n".join(lines)),
                               visibility="visible", status=Status.PASSED if not failed
                               else Status.WRONG))
    return out


def _later(config: GradingConfig) -> str | None:
    """When the hidden tests become visible, in words (None: visible now, or never)."""
    return {"after_due_date": "after the due date",
            "after_published": "when your instructors publish the grades",
            }.get(config.hidden_visibility)


def top_line(config: GradingConfig) -> str:
    """The first line of a Gradescope result: what the student sees from the start, and what
    from the due date on, in words true before and after it (results.json is written once)."""
    later = _later(config)
    if later is None:  # visible (or hidden from students altogether)
        if config.hidden_visibility == "visible":
            return ("**You see everything now:** the public checks, every hidden test with its "
                    "failing input and hint, and your score.")
        return ("**You see the public checks.** The hidden tests and your score are for your "
                "instructors only.")
    now = ("the public checks and, for each question, how many hidden tests failed and what "
           "they check" if config.hidden_summary else "the public checks")
    return (f"**Shown from the start:** {now}. **Shown {later}:** each hidden test's full "
            "feedback (the smallest failing input, expected and got) and its points. Gradescope "
            f"shows your total score once every test is visible: {later}.")
