"""What verify grades (:class:`Entry`), what it concludes about one entry (:class:`Verdict`, made
by :func:`judge`), and the reports of a verify run and of a seed sweep."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.api import Status
from autograder.engine.results import GradingResult

KINDS = ("reference", "template", "bug", "correct")
GRADER_FAILED = "autograder error (instructors only)"
"""the end of the name of the test the runner adds when grading itself failed"""
UNRUN = (Status.NOT_RUN, Status.MISSING, Status.DISABLED)
"""statuses of a test that never ran (missing function, grading out of time, disabled)"""


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # one of KINDS
    path: Path
    question: str = ""
    """for a bug: the question it is in"""
    description: str = ""
    graded: tuple[str, ...] = ()
    """the names of the hidden tests that count for this entry; () for all of them"""
    gap: str = ""
    """for a bug the hidden tests are known to miss: why, and the test that would catch it"""
    idea: str = ""
    """for a bug: the qualified idea it breaks (``"<question>:<key>"``)"""
    direct: tuple[str, ...] = ()
    """for a bug: the hidden tests that call a function it changes (the others reach it through
    a function of the submission that calls it)"""


@dataclass
class Verdict:
    entry: Entry
    score: float
    """points earned in the graded tests"""
    max_score: float
    by_question: dict[str, tuple[float, float]]
    """question -> (earned, possible) over the graded tests"""
    failed_tests: list[str]
    """names of the graded tests with points that failed"""
    problem: str = ""
    """why this entry fails verification ('' when it passes)"""
    detail: str = ""
    """the output of the first failed test, when that explains the problem"""
    seed: int | None = None
    seconds: float = 0.0
    failed_ideas: list[str] = field(default_factory=list)
    """the idea of each failed test, in the order of failed_tests"""
    charged: list[str] = field(default_factory=list)
    """the ideas the mistake is charged with, each once (autograder.hidden.ideas.charged)"""

    @property
    def direct_failures(self) -> int:
        """failed tests that call a function the bug changes"""
        direct = set(self.entry.direct)
        return sum(name in direct for name in self.failed_tests)

    @property
    def lost(self) -> float:
        earned, possible = self.by_question.get(self.entry.question, (0.0, 0.0))
        return round(possible - earned, 6)


def _first_line(text: str, limit: int = 160) -> str:
    line = next((x for x in text.splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _explained_by(idea: str, label: str, ideas: dict) -> bool:
    """``idea`` is ``label`` or comes after it (directly or through other ideas)."""
    seen, todo = set(), [idea]
    while todo:
        current = todo.pop()
        if current == label:
            return True
        if current not in seen:
            seen.add(current)
            todo += list(getattr(ideas.get(current), "after", ()))
    return False


def judge(entry: Entry, result: GradingResult, ideas: dict | None = None) -> Verdict:
    """Does this grading result show what the entry's kind requires? The reference and correct
    entries: every point of the graded questions; the template: nothing; a bug: points lost in
    its own question (points lost only elsewhere do not count), unless it is marked as a known
    gap of the hidden tests (then it must keep full marks, so that a closed gap is noticed). A
    test that did not run, or the autograder failing, is a problem for any entry but the
    template."""
    tests = [t for t in result.tests if t.max_score > 0
             and (not entry.graded or t.name in entry.graded)]
    by_q: dict[str, tuple[float, float]] = {}
    for t in tests:
        earned, possible = by_q.get(t.question, (0.0, 0.0))
        by_q[t.question] = (round(earned + t.score, 6), round(possible + t.max_score, 6))
    from autograder.hidden.ideas import charged

    ideas = ideas if ideas is not None else _all_ideas()
    failed = [t for t in tests if not t.passed]
    verdict = Verdict(entry, round(sum(t.score for t in tests), 6),
                      round(sum(t.max_score for t in tests), 6), by_q, [t.name for t in failed])
    verdict.failed_ideas = [t.idea for t in failed]
    verdict.charged = charged(verdict.failed_ideas, ideas)
    unrun = [t for t in failed if t.status in UNRUN]
    if any(t.name.endswith(GRADER_FAILED) for t in result.tests):
        verdict.problem = "the autograder itself failed"
        verdict.detail = next(t.output for t in result.tests if t.name.endswith(GRADER_FAILED))
    elif entry.kind != "template" and unrun:
        verdict.problem = f"{len(unrun)} test(s) not run: {_first_line(unrun[0].output)}"
    elif entry.kind in ("reference", "correct") and failed:
        lost, where = verdict.max_score - verdict.score, sorted({t.question for t in failed})
        verdict.problem = f"lost {lost:g} points in {', '.join(where)}"
        verdict.detail = f"{failed[0].name}:\n{failed[0].output}"
    elif entry.kind == "template" and result.score > 0:
        verdict.problem = f"the template earned {result.score:g} points"
    elif entry.kind == "bug":
        earned, possible = by_q.get(entry.question, (0.0, 0.0))
        if entry.question not in by_q:
            verdict.problem = f"no test of {entry.question} was graded"
        elif earned >= possible - 1e-9 and not entry.gap:
            elsewhere = sorted({t.question for t in failed})
            verdict.problem = f"not caught: full marks in {entry.question}" + (
                f" (lost points only in {', '.join(elsewhere)})" if elsewhere else "")
        elif earned < possible - 1e-9 and entry.gap:
            verdict.problem = ("caught, but marked as a known gap of the hidden tests: remove "
                               "its gap note from the catalog")
        elif entry.idea and not entry.gap:
            stray = [(t.name, t.idea) for t in failed
                     if not _explained_by(t.idea, entry.idea, ideas)]
            if stray:
                verdict.problem = (f"charged with an idea it does not break: \"{stray[0][0]}\" "
                                   f"checks {stray[0][1]}, the bug breaks {entry.idea}")
            elif verdict.charged != [entry.idea]:
                verdict.problem = (f"charged with {verdict.charged}, expected exactly "
                                   f"[{entry.idea!r}]")
    return verdict


def _all_ideas() -> dict:
    from autograder.hidden import all_ideas

    return all_ideas(torch_track=True)


@dataclass
class VerifyReport:
    verdicts: list[Verdict] = field(default_factory=list)
    test_names: list[str] = field(default_factory=list)
    """the hidden tests with points, in grading order"""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.verdicts) and not any(v.problem for v in self.verdicts)

    def of_kind(self, kind: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.entry.kind == kind]

    def kills(self) -> dict[str, int]:
        """hidden test -> how many catalogued bugs it catches"""
        counts = dict.fromkeys(self.test_names, 0)
        for v in self.of_kind("bug"):
            for name in v.failed_tests:
                if name in counts:
                    counts[name] += 1
        return counts

    def caught(self) -> list[Verdict]:
        """The bugs that lost points in their own question."""
        return [v for v in self.of_kind("bug") if not v.problem and not v.entry.gap]

    def gaps(self) -> list[Verdict]:
        """The bugs marked as known gaps of the hidden tests (and still missed)."""
        return [v for v in self.of_kind("bug") if not v.problem and v.entry.gap]

    def weak_tests(self) -> list[str]:
        """The hidden tests that catch no catalogued bug."""
        return [name for name, n in self.kills().items() if n == 0]

    def render(self) -> str:
        from autograder.verify.render import render

        return render(self)


@dataclass
class SweepReport:
    """Every entry graded under the grading profile (seed None) and under each seed."""

    runs: dict[str, list[Verdict]] = field(default_factory=dict)
    """entry name -> its verdicts, one per run"""
    seeds: list[int | None] = field(default_factory=list)
    seconds: float = 0.0

    def changed(self) -> list[str]:
        """Entries whose verdict (passes verification or not) differs between runs."""
        return [name for name, vs in self.runs.items() if len({bool(v.problem) for v in vs}) > 1]

    def failing(self) -> list[str]:
        """Entries that fail verification in at least one run."""
        return [name for name, vs in self.runs.items() if any(v.problem for v in vs)]

    def unstable_tests(self) -> dict[str, dict[str, int]]:
        """entry -> {test: in how many runs it failed}, for the tests that failed in some runs
        but not all (same verdict, different tests catching it)."""
        out = {}
        for name, vs in self.runs.items():
            counts: dict[str, int] = {}
            for v in vs:
                for test in v.failed_tests:
                    counts[test] = counts.get(test, 0) + 1
            flaky = {t: n for t, n in counts.items() if n < len(vs)}
            if flaky:
                out[name] = flaky
        return out

    @property
    def ok(self) -> bool:
        return bool(self.runs) and not self.failing()

    def render(self) -> str:
        from autograder.verify.render import render_sweep

        return render_sweep(self)
