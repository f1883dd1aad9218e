"""The smallest failing input before the due date, metered (``reveal_before_due_date`` in
``otter_config.json``; off by default).

Before the due date a student sees the public checks and, per question, which ideas the hidden
tests found broken, without inputs. With the setting on, one submission per window of
``every_hours`` also shows the full feedback (the smallest failing input, expected and got, the
hint) of at most ``tests_per_question`` failing hidden tests per question, as visible 0-point
entries "<question> revealed now: ...".

When a submission reveals comes from the submission times alone (Gradescope's
``submission_metadata.json``: this one's ``created_at``, the earlier ones' ``submission_time``,
as Gradescope documents it, or their ``created_at`` where that is what an entry holds):
the first submission reveals, and so does the first submission at least ``every_hours`` after
the last one that did. Gradescope keeps the ``results`` of the latest earlier submission only,
so what earlier ones revealed cannot be read back, and a result claiming anything changes
nothing: the same history gives the same reveal, and a window's later submissions reveal nothing
(the earlier results page still shows what was revealed; it is not shown again). What was
revealed is written into ``extra_data`` for the instructor, never read.

Metadata that is not what Gradescope writes (not JSON, wrong types, a time without its zone,
more than :data:`MAX_PREVIOUS` earlier submissions, over :data:`MAX_BYTES`) reveals nothing.
Earlier submissions listed at or after this one's time are not counted (a regrade of an old
submission sees its own history). No metadata at all (``grade FILE``, ``grade DIR``) is a first
submission. No reveal at or after the due date (the late due date when there is one): everything
is shown then. The wall clock is never read.

Only a failure whose every part the grader wrote is revealed: a wrong answer (status ``wrong``:
the call with the shrunk input, the reference's value, the returned value as the grader prints
it, the hint). A test that raised (its message is the student's own text), timed out or was not
run is not revealed. Per question, the ideas are taken by their points (most first; among
equals, the one whose first test ran first), and each gives its first revealable failing test.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from autograder.engine.api import Status, TestOutcome
from autograder.engine.config import GradingConfig, RevealSetting
from autograder.engine.results import GradingResult, add_points

MAX_BYTES = 32 * 2 ** 20
"""a submission_metadata.json larger than this is not read (nothing is revealed)"""
MAX_PREVIOUS = 10_000
"""more earlier submissions than this: the history is not read (nothing is revealed)"""


@dataclass(frozen=True)
class History:
    """A submission's place in its history, as Gradescope's metadata gives it."""

    created_at: datetime | None = None
    """this submission's time; None: not known (no metadata: a first submission)"""
    previous: tuple[datetime, ...] = ()
    """the earlier submissions' times"""
    due: datetime | None = None
    """when the hidden tests become visible (the late due date if set); None: not known"""
    problem: str = ""
    """why the metadata could not be read ("" when it was, or when there was none)"""


def _time(value: Any, what: str) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError(f"{what} is not a date string")
    try:  # Python 3.10's fromisoformat (Gradescope's Python) reads no "Z"
        when = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ValueError(f"{what} is not an ISO 8601 date") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} has no time zone")
    if not 1970 <= when.year <= 9000:  # windows are added to it
        raise ValueError(f"{what} is out of range")
    return when


def parse_metadata(data: Any) -> History:
    """The history in Gradescope's ``submission_metadata.json`` (already parsed JSON); a
    :class:`History` with ``problem`` set when it is not what Gradescope writes."""
    try:
        if not isinstance(data, dict):
            raise ValueError("the metadata is not a JSON object")
        created = _time(data.get("created_at"), "created_at")
        assignment = data.get("assignment")
        if not isinstance(assignment, dict):
            raise ValueError("assignment is not an object")
        due_field = "late_due_date" if assignment.get("late_due_date") is not None else "due_date"
        due = (None if assignment.get(due_field) is None
               else _time(assignment[due_field], f"assignment.{due_field}"))
        entries = data.get("previous_submissions", [])
        if not isinstance(entries, list):
            raise ValueError("previous_submissions is not a list")
        if len(entries) > MAX_PREVIOUS:
            raise ValueError(f"more than {MAX_PREVIOUS} previous submissions")
        previous = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise ValueError(f"previous_submissions[{i}] is not an object")
            key = "submission_time" if "submission_time" in entry else "created_at"
            when = _time(entry.get(key), f"previous_submissions[{i}].{key}")
            if when < created:  # not after this one: a regrade of an old submission
                previous.append(when)
    except (ValueError, OverflowError) as e:
        return History(problem=str(e))
    return History(created_at=created, previous=tuple(sorted(previous)), due=due)


def read_metadata(path: Path) -> History:
    """The history in the metadata file at ``path`` (Gradescope's
    ``/autograder/submission_metadata.json``); none there: a first submission."""
    path = Path(path)
    try:
        if not path.is_file():
            return History()
        if path.stat().st_size > MAX_BYTES:
            return History(problem=f"the metadata is larger than {MAX_BYTES} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as e:
        return History(problem=f"the metadata could not be read ({type(e).__name__})")
    return parse_metadata(data)


@dataclass(frozen=True)
class Schedule:
    """Whether this submission reveals, and when the reveals before and after it come."""

    now: bool
    last: datetime | None = None
    """the latest submission that revealed (this one when ``now``); None: not known"""
    next: datetime | None = None
    """from when the next reveal comes; None: not known (no metadata)"""
    reason: str = ""
    """why nothing is revealed: "history" (the metadata could not be read), "after_due" or
    "window" (an earlier submission of this window revealed); "" when ``now``"""


def schedule(setting: RevealSetting, history: History) -> Schedule:
    """The reveals of ``history`` under ``setting``: the first submission reveals, then the
    first one at least ``every_hours`` after the last reveal, and none from the due date on."""
    if history.problem:
        return Schedule(now=False, reason="history")
    if history.created_at is None:
        return Schedule(now=True)
    window = timedelta(hours=setting.every_hours)
    if history.due is not None and history.created_at >= history.due:
        return Schedule(now=False, reason="after_due")
    last = None
    for when in (*history.previous, history.created_at):
        if last is None or when >= last + window:
            last = when
    now = last == history.created_at
    return Schedule(now=now, last=last, next=last + window,
                    reason="" if now else "window")


def chosen(outcomes: list[TestOutcome], config: GradingConfig, count: int) -> list[TestOutcome]:
    """Per question, up to ``count`` failing hidden tests to reveal: one per idea, the ideas by
    their points (most first; among equals, the one whose tests ran first), each idea's first
    failure with a wrong answer."""
    hidden = [t for t in outcomes if t.idea and t.visibility == config.hidden_visibility]
    picked = []
    for question in dict.fromkeys(t.question for t in hidden):
        mine = [t for t in hidden if t.question == question]
        order = list(dict.fromkeys(t.idea for t in mine))
        points = {idea: add_points(t.max_score for t in mine if t.idea == idea) for idea in order}
        ideas = sorted(order, key=lambda idea: (-points[idea], order.index(idea)))
        found = [next((t for t in mine if t.idea == idea and t.status == Status.WRONG), None)
                 for idea in ideas]
        picked += [t for t in found if t is not None][:count]
    return picked


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC%z").replace("UTC+0000", "UTC")


def _coming(plan: Schedule, history: History) -> bool:
    """Another reveal may come before the due date."""
    return plan.reason not in ("after_due", "history") and not (
        history.due is not None and plan.next is not None and plan.next >= history.due)


def _next(setting: RevealSetting, plan: Schedule, history: History) -> str:
    """When the next reveal comes, in words."""
    hours = f"{setting.every_hours:g} hours"
    if plan.reason == "after_due":
        return "none: after the due date every hidden test's feedback is shown"
    if plan.reason == "history":
        return "not known"
    if plan.next is None:
        return f"at a submission {hours} after this one or later"
    if history.due is not None and plan.next >= history.due:
        return "none before the due date"
    return (f"at your first submission from {_when(plan.next)} on ({hours} after the last "
            "reveal)")


def _top(setting: RevealSetting, plan: Schedule, history: History,
         revealed: list[TestOutcome]) -> str:
    per = ("one failing hidden test" if setting.tests_per_question == 1
           else f"up to {setting.tests_per_question} failing hidden tests")
    rule = f"{per} per question, at most once every {setting.every_hours:g} hours"
    if plan.now and revealed:
        questions = ", ".join(dict.fromkeys(t.question for t in revealed))
        entries = "the entry" if len(revealed) == 1 else "the entries"
        now = (f"for {questions}, the full feedback (smallest failing input, expected and got, "
               f"hint) of {per}, in {entries} \"... revealed now\" ({rule})")
    elif plan.now:
        now = (f"nothing: no hidden test fails with a wrong answer that can be shown (tests that "
               f"raise or time out are not revealed; {rule})")
    elif plan.reason == "window":
        now = (f"nothing new: your submission of {_when(plan.last)} had this window's reveal "
               f"({rule}); its results page still shows it")
    elif plan.reason == "after_due":
        now = "nothing more: this submission came after the due date"
    else:
        now = ("nothing: Gradescope's record of your earlier submissions could not be read; "
               "please tell your instructors")
    what = f" ({per} per question that still fails, the same way)" if _coming(plan, history) \
        else ""
    return (f"**Revealed before the due date:** {now}. **Next reveal{what}:** "
            f"{_next(setting, plan, history)}.")


def apply_reveal(result: GradingResult, config: GradingConfig,
                 history: History | None = None) -> None:
    """Add the reveal that ``config`` and ``history`` allow to ``result``: the revealed entries,
    a sentence on the top line and on each hidden summary, the record in ``extra_data``.
    Nothing at all when the setting is off."""
    setting = config.reveal_before_due_date
    if setting is None:
        return
    history = history or History()
    plan = schedule(setting, history)
    revealed = chosen(result.tests, config, setting.tests_per_question) if plan.now else []
    entries = [TestOutcome(
        name=f"{t.question} revealed now: {t.name.split(' ', 1)[-1]}", question=t.question,
        score=0.0, max_score=0.0, passed=False, visibility="visible", status=Status.WRONG,
        output=(f"**Revealed before the due date** (at most {setting.tests_per_question} per "
                f"question every {setting.every_hours:g} hours: the first failing test of the "
                f"idea worth the most points). This hidden test's own entry, with its points, "
                f"is shown after the due date.\n\n{t.output}"))
        for t in revealed]
    nxt = f"**Next reveal of a failing input:** {_next(setting, plan, history)}."
    tests = []
    for t in result.tests:
        summary = t.name == f"{t.question} hidden tests in short" and t.max_score == 0
        tests.append(dataclasses.replace(t, output=f"{t.output}\n\n{nxt}") if summary else t)
        if summary:
            tests += [e for e in entries if e.question == t.question]
    placed = {e.name for e in tests}
    tests += [e for e in entries if e.name not in placed]
    top = _top(setting, plan, history, revealed)
    result.tests = tests
    if result.messages:
        result.messages[0] = f"{result.messages[0]} {top}"
    else:
        result.messages.append(top)
    result.reveal = {
        "tests_per_question": setting.tests_per_question, "every_hours": setting.every_hours,
        "created_at": history.created_at.isoformat() if history.created_at else None,
        "now": plan.now, "revealed": [t.name for t in revealed],
        "last_reveal": plan.last.isoformat() if plan.last else None,
        "next_reveal": plan.next.isoformat() if plan.next else None, "reason": plan.reason,
        **({"problem": history.problem} if history.problem else {})}
