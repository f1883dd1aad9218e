"""The numbers of a class report, from the graded entries of a batch.

A hidden test's name in results.json is ``"<question id> <description>"``; the misconception it
reveals comes from its definition (:func:`autograder.hidden.hidden_tests`). A failed test counts
as a *mistake* when the student's function ran and was wrong (a wrong value, an error, a time
out); it counts as *not attempted* when the function is missing or still the template's stub.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from autograder.batchgrade import Graded
from autograder.questions import BY_ID, QUESTIONS

NOT_ATTEMPTED = ("NotImplementedError", "Not run: your submission does not define")


@dataclass
class TestStats:
    name: str
    question: str
    description: str
    misconception: str
    taken: int = 0
    """graded submissions that ran this test"""
    wrong: list[str] = field(default_factory=list)
    """submissions whose function ran and failed it"""
    not_attempted: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.wrong) + len(self.not_attempted)

    @property
    def failure_rate(self) -> float:
        return self.failed / self.taken if self.taken else 0.0


@dataclass
class ClassStats:
    graded: list[Graded]
    not_graded: list[Graded]
    questions: list[str]
    """the question ids graded (numpy track, then any torch-track question that was graded)"""
    tests: list[TestStats]

    @property
    def totals(self) -> list[float]:
        return [r.total for r in self.graded]

    @property
    def max_total(self) -> float:
        return max((r.max_total for r in self.graded), default=0.0)

    def question_mean(self, qid: str) -> float:
        scores = [r.by_question.get(qid, 0.0) for r in self.graded]
        return statistics.fmean(scores) if scores else 0.0

    def full_marks(self, qid: str) -> int:
        points = self.points(qid)
        return sum(1 for r in self.graded if points and r.by_question.get(qid, 0.0) >= points - 1e-9)

    def points(self, qid: str) -> float:
        """Points possible in ``qid`` (from the results: torch-track points are configured)."""
        for r in self.graded:
            possible = sum(t["max_score"] for t in r.tests if t["name"].split(" ", 1)[0] == qid)
            if possible:
                return possible
        return float(BY_ID[qid].points)

    def mistakes(self) -> list[TestStats]:
        """Hidden tests that someone got wrong, most common first (ties: test order)."""
        order = {t.name: i for i, t in enumerate(self.tests)}
        return sorted((t for t in self.tests if t.wrong),
                      key=lambda t: (-len(t.wrong), order[t.name]))


def not_attempted(output: str) -> bool:
    return any(marker in output for marker in NOT_ATTEMPTED)


def _declared() -> dict[str, tuple[str, str, str]]:
    """name -> (question, description, misconception) of every hidden test, in order."""
    from autograder.hidden import hidden_tests

    return {t.name: (t.question, t.description, t.misconception or t.description)
            for t in hidden_tests(examples_per_test=1, torch_track=True)}


def class_stats(records: list[Graded]) -> ClassStats:
    graded = [r for r in records if r.graded]
    declared = _declared()
    tests = {name: TestStats(name, *info) for name, info in declared.items()}
    for record in graded:
        for test in record.tests:
            stats = tests.get(test["name"])
            if stats is None:  # a public check, or an instructors-only error entry
                continue
            stats.taken += 1
            if test["status"] != "passed":
                bucket = stats.not_attempted if not_attempted(test.get("output", "")) else stats.wrong
                bucket.append(record.submission)
    seen = {t["name"].split(" ", 1)[0] for r in graded for t in r.tests}
    questions = [q.id for q in QUESTIONS if q.track == "numpy" or q.id in seen]
    return ClassStats(graded=graded, not_graded=[r for r in records if not r.graded],
                      questions=questions, tests=[t for t in tests.values() if t.taken])
