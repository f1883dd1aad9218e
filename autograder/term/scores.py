"""The gradebook's term columns: when each student submitted, how late (against their own due
date: an extension's, else the term's), the late penalty, the overrides, the final score.

- ``raw_total``: the autograder's total with the question overrides in place of the autograded
  points of their questions (the question columns and ``total`` stay the autograder's);
- ``late_penalty``: the late policy's ``percent`` of ``raw_total`` per started day (or hour)
  after the due date, once past the grace period, at most ``max_percent``; all of it after
  ``not_accepted_after``;
- ``final_total``: ``raw_total - late_penalty``, or a ``total`` override (the instructor's last
  word: no penalty is taken from it);
- a missing or unreadable submission time is a ``term_note``; the late policy is then not
  applied, and the note says to check by hand.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from autograder.term.config import Term
from autograder.term.inputs import TOTAL, match, read_extensions, read_overrides
from autograder.term.times import SubmissionTime, show

COLUMNS = ["submitted_at", "time_source", "due", "late_hours", "raw_total", "late_penalty",
           "final_total", "overrides", "term_note"]


@dataclass
class TermSummary:
    """What the report says of the term: how many rows are on time, late, not accepted or
    without a time, and how many have an extension or an override."""

    on_time: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    not_accepted: list[str] = field(default_factory=list)
    no_time: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)


def _units(late: timedelta, unit: timedelta) -> int:
    return math.ceil(late / unit)


def _late(row: dict, raw: float, when: SubmissionTime, term: Term, due, summary) -> float:
    """Fill the row's time columns; return the penalty in points."""
    policy, name = term.policy, row["student"]
    row.update(submitted_at=show(when.at, due.tzinfo), time_source=when.source,
               due=show(due, due.tzinfo))
    if when.at is None:
        summary.no_time.append(name)
        row["term_note"] = f"{when.note}; the late policy was not applied: check by hand"
        return 0.0
    lateness = when.at - due
    row["late_hours"] = round(max(lateness, timedelta(0)) / timedelta(hours=1), 2)
    cutoff = policy.not_accepted_after
    if cutoff is not None:
        cutoff += due - term.due  # an extension moves it as much as the due date
    if cutoff is not None and when.at > cutoff:
        summary.not_accepted.append(name)
        row["term_note"] = f"not accepted: submitted after {show(cutoff, due.tzinfo)}"
        return raw
    if lateness <= timedelta(0):
        summary.on_time.append(name)
        return 0.0
    if lateness <= policy.grace:
        summary.on_time.append(name)
        row["term_note"] = "within the grace period"
        return 0.0
    summary.late.append(name)
    units = _units(lateness, policy.unit)
    percent = min(policy.max_percent, policy.percent * units)
    unit = "day" if policy.unit == timedelta(days=1) else "hour"
    row["term_note"] = f"late: {units} started {unit}{'s' if units > 1 else ''}, {percent:g}% off"
    return raw * percent / 100


def apply_term(rows: list[dict], times: dict[str, SubmissionTime], term: Term,
               questions: list[str]) -> TermSummary:
    """Add the term columns to the gradebook ``rows`` (one per student, as
    :func:`autograder.classreport.gradebook.gradebook_rows` makes them); ``times``: each
    submission's time, by entry name. Raises TermError naming the row of a bad extension or
    override."""
    summary = TermSummary()
    due_of = {id(r): term.due for r in rows}
    if term.extensions:
        for ext in read_extensions(term.extensions):
            for row in match(ext.student, rows, where=f"{term.extensions.name} line {ext.line}"):
                due_of[id(row)] = ext.due
                summary.extended.append(row["student"])
    overrides: dict[int, list] = {}
    if term.overrides:
        for o in read_overrides(term.overrides, questions):
            for row in match(o.student, rows, where=f"{term.overrides.name} line {o.line}"):
                overrides.setdefault(id(row), []).append(o)
    for row in rows:
        raw, notes, final = float(row["total"]), [], None
        for o in overrides.get(id(row), []):
            if o.question == TOTAL:
                notes.append(f"total: {o.points:g} ({o.reason})")
                final = o.points
            else:
                before = float(row.get(o.question, 0.0))
                raw += o.points - before
                notes.append(f"{o.question}: {before:g} -> {o.points:g} ({o.reason})")
        if notes:
            summary.overridden.append(row["student"])
        row.update({c: "" for c in COLUMNS}, raw_total=round(raw, 6), overrides="; ".join(notes))
        penalty = 0.0
        if due_of[id(row)] is not None:
            when = times.get(row["submission"]) or SubmissionTime(None, "", "no submission time")
            penalty = _late(row, raw, when, term, due_of[id(row)], summary)
        row["late_penalty"] = round(penalty, 6)
        row["final_total"] = round(raw - penalty if final is None else final, 6)
        if final is not None and penalty:
            row["term_note"] = (row["term_note"] + "; " if row["term_note"] else "") + \
                "the total override replaces the penalised score"
    return summary
