"""The numbers of a class report, from the graded entries of a batch.

A hidden test's name in results.json is ``"<question id> <description>"``; its status and the
idea it checks are data (``extra_data`` of each test; :class:`autograder.engine.api.Status`). A
failed test counts as a *mistake* when the student's function ran and was wrong (a wrong value,
an error, a time out); it counts as *not attempted* when the function is missing or still the
template's stub. A function that raised or did not finish (a time out, a crash, disabled after
one) is no misconception: those are listed apart, per function (:class:`Stopped`). Each
student's mistakes are attributed once, to the ideas they break
(:func:`autograder.hidden.ideas.charged`: a failure that an earlier idea's failure explains is
not counted again), so the common mistakes are one row per idea, not per test.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from autograder.batchgrade import Graded
from autograder.engine.api import Status
from autograder.engine.results import add_points
from autograder.questions import BY_ID, QUESTIONS

NOT_ATTEMPTED = ("NotImplementedError", "Not run: your submission does not define")
"""how the output of a not-attempted test began, for results.json written before statuses"""


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
    stopped: list[str] = field(default_factory=list)
    """submissions whose function raised or did not finish on it"""

    @property
    def failed(self) -> int:
        return len(self.wrong) + len(self.not_attempted) + len(self.stopped)

    @property
    def failure_rate(self) -> float:
        return self.failed / self.taken if self.taken else 0.0


@dataclass
class IdeaStats:
    """One idea of the lecture and the students charged with breaking it (each once)."""

    idea: str
    question: str
    misconception: str
    """the idea in the lecture's words"""
    tests: list[str] = field(default_factory=list)
    """the descriptions of its hidden tests that those students failed"""
    wrong: list[str] = field(default_factory=list)
    """the students charged with it"""

    @property
    def description(self) -> str:
        return "; ".join(self.tests)


STOPPED = {Status.RAISED: "raised", Status.TIMEOUT: "did not finish",
           Status.DISABLED: "did not finish"}
"""the statuses of a function that stopped instead of answering, and how the report says it"""


@dataclass
class Stopped:
    """A function that raised or did not finish, and the students it happened to (each once)."""

    question: str
    function: str
    what: str
    """"raised" or "did not finish" (timed out, crashed, or disabled after that)"""
    students: list[str] = field(default_factory=list)


@dataclass
class ClassStats:
    graded: list[Graded]
    not_graded: list[Graded]
    questions: list[str]
    """the question ids graded (numpy track, then any torch-track question that was graded)"""
    tests: list[TestStats]
    ideas: list[IdeaStats] = field(default_factory=list)
    """the ideas someone was charged with, most common first"""
    stopped: list[Stopped] = field(default_factory=list)
    """functions that raised or did not finish, most common first (no misconception)"""

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
        return sum(1 for r in self.graded
                   if points and r.by_question.get(qid, 0.0) >= points - 1e-9)

    def points(self, qid: str) -> float:
        """Points possible in ``qid`` (from the results: torch-track points are configured)."""
        for r in self.graded:
            possible = add_points(t["max_score"] for t in r.tests
                                  if t["name"].split(" ", 1)[0] == qid)
            if possible:
                return possible
        return float(BY_ID[qid].points)

    def mistakes(self) -> list[IdeaStats]:
        """The ideas someone was charged with, most common first (ties: idea order): one row
        per idea, each student counted once."""
        return self.ideas


def not_attempted(output: str, status: str = "") -> bool:
    """A failure that is no mistake: the function is missing or still the stub (from the
    status; from the output only for results.json written without one)."""
    if status:
        return status in Status.NOT_ATTEMPTED
    return any(marker in output for marker in NOT_ATTEMPTED)


def _status(test: dict) -> str:
    return (test.get("extra_data") or {}).get("status", "")


def _declared() -> dict[str, tuple[str, str, str, str, str]]:
    """name -> (question, description, misconception, idea, functions) of every hidden test,
    in order."""
    from autograder.hidden import hidden_tests

    return {t.name: (t.question, t.description, t.misconception or t.description, t.idea,
                     ", ".join(t.functions))
            for t in hidden_tests(examples_per_test=1, torch_track=True)}


def _stopped(graded: list[Graded], declared: dict) -> list[Stopped]:
    """Per function, the students whose function raised or did not finish in its tests."""
    rows: dict[tuple[str, str], Stopped] = {}
    for record in graded:
        for t in record.tests:
            what = STOPPED.get(_status(t)) if t["name"] in declared else None
            if what and t["status"] != "passed":
                question, function = declared[t["name"]][0], declared[t["name"]][4]
                row = rows.setdefault((function, what), Stopped(question, function, what))
                if record.submission not in row.students:
                    row.students.append(record.submission)
    order = list(dict.fromkeys(info[4] for info in declared.values()))
    return sorted(rows.values(), key=lambda r: (-len(r.students), order.index(r.function),
                                                r.what))


def _ideas(graded: list[Graded], declared: dict) -> list[IdeaStats]:
    """Each student's mistakes attributed once, to the ideas they break."""
    from autograder.hidden import all_ideas
    from autograder.hidden.ideas import charged

    table = all_ideas(torch_track=True)
    rows: dict[str, IdeaStats] = {}
    for record in graded:
        failed = [t for t in record.tests if t["name"] in declared and t["status"] != "passed"
                  and not not_attempted(t.get("output", ""), _status(t))
                  and _status(t) != Status.NOT_RUN and _status(t) not in STOPPED]
        ideas = [(t.get("extra_data") or {}).get("idea") or declared[t["name"]][3]
                 for t in failed]
        for idea in charged(ideas, table):
            question = idea.split(":", 1)[0]
            text = table[idea].text if idea in table else declared.get(
                next((t["name"] for t, i in zip(failed, ideas) if i == idea), ""),
                ("", "", idea))[2]
            row = rows.setdefault(idea, IdeaStats(idea, question, text))
            row.wrong.append(record.submission)
            for t, i in zip(failed, ideas):
                if i == idea and declared[t["name"]][1] not in row.tests:
                    row.tests.append(declared[t["name"]][1])
    order = list(table) + [i for i in rows if i not in table]
    return sorted(rows.values(), key=lambda r: (-len(r.wrong), order.index(r.idea)))


def class_stats(records: list[Graded]) -> ClassStats:
    graded = [r for r in records if r.graded]
    declared = _declared()
    tests = {name: TestStats(name, *info[:3]) for name, info in declared.items()}
    for record in graded:
        for test in record.tests:
            stats = tests.get(test["name"])
            if stats is None:  # a public check, or an instructors-only error entry
                continue
            stats.taken += 1
            if test["status"] != "passed":
                if not_attempted(test.get("output", ""), _status(test)):
                    stats.not_attempted.append(record.submission)
                elif _status(test) in STOPPED:
                    stats.stopped.append(record.submission)
                else:
                    stats.wrong.append(record.submission)
    seen = {t["name"].split(" ", 1)[0] for r in graded for t in r.tests  # extra credit: when set
            if t["max_score"] > 0}
    questions = [q.id for q in QUESTIONS if q.track == "numpy" or q.id in seen]
    return ClassStats(graded=graded, not_graded=[r for r in records if not r.graded],
                      questions=questions, tests=[t for t in tests.values() if t.taken],
                      ideas=_ideas(graded, declared), stopped=_stopped(graded, declared))
