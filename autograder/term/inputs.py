"""The instructor's CSV files: extensions (``student,due``) and overrides
(``student,question,points,reason``). A row names a student by email, SID, name or batch entry
(a Classroom repository, a Gradescope submission folder), as ``gradebook.csv`` shows them.
A row that cannot be read, or names a student or question the batch does not have, is an error
that names the file and its line."""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.term.errors import TermError
from autograder.term.times import parse_time

EXTENSION_COLUMNS = ("student", "due")
OVERRIDE_COLUMNS = ("student", "question", "points", "reason")
TOTAL = "total"


@dataclass(frozen=True)
class Extension:
    line: int
    student: str
    due: datetime


@dataclass(frozen=True)
class Override:
    line: int
    student: str
    question: str
    """a question id, or ``total`` (the final score)"""
    points: float
    reason: str


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [str(h).strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in columns if c not in header]
            if missing:
                raise TermError(f"{path.name} line 1: expected the columns {', '.join(columns)}, "
                                f"got header={','.join(header)!r}; add {', '.join(missing)}")
            reader.fieldnames = header
            return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k})
                    for row in reader if any((v or "").strip() for v in row.values() if v)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise TermError(f"expected a UTF-8 CSV at {path}, got an error: {e}") from e


def read_extensions(path: Path) -> list[Extension]:
    found, seen = [], {}
    for line, row in _rows(path, EXTENSION_COLUMNS):
        where = f"{path.name} line {line}"
        if not row["student"]:
            raise TermError(f"{where}: expected a student (email, SID, name or entry), got "
                            "student=''; fill it in or delete the row")
        try:
            due = parse_time(row["due"], what=f"{where} due")
        except TermError as e:
            raise TermError(f"{where}: {e}") from None
        key = row["student"].casefold()
        if key in seen:
            raise TermError(f"{where}: expected one extension per student, got "
                            f"student={row['student']!r} again (line {seen[key]}); keep one")
        seen[key] = line
        found.append(Extension(line, row["student"], due))
    return found


def read_overrides(path: Path, questions: list[str]) -> list[Override]:
    found = []
    for line, row in _rows(path, OVERRIDE_COLUMNS):
        where = f"{path.name} line {line}"
        if not row["student"]:
            raise TermError(f"{where}: expected a student (email, SID, name or entry), got "
                            "student=''; fill it in or delete the row")
        question = row["question"]
        if question not in (*questions, TOTAL):
            raise TermError(f"{where}: expected a question id ({', '.join(questions)}) or "
                            f"'{TOTAL}', got question={question!r}; fix the question")
        try:
            points = float(row["points"])
        except ValueError:
            points = math.nan
        if not math.isfinite(points) or points < 0:
            raise TermError(f"{where}: expected points as a number of at least 0, got "
                            f"points={row['points']!r}; fix the points")
        if not row["reason"]:
            raise TermError(f"{where}: expected a reason (the gradebook keeps it), got "
                            "reason=''; write why the score changes")
        found.append(Override(line, row["student"], question, points, row["reason"]))
    return found


def match(key: str, rows: list[dict], *, where: str) -> list[dict]:
    """The gradebook rows that ``key`` names (by email, SID, name or entry, any case);
    TermError naming ``where`` when none does, or when it names two different students
    by name alone."""
    folded = key.casefold()
    by_id = [r for r in rows if folded in (str(r["email"]).casefold(), str(r["id"]).casefold())
             and folded]
    if by_id:
        return by_id
    by_entry = [r for r in rows if str(r["submission"]).casefold() == folded]
    if by_entry:
        return by_entry  # every member of a group submission
    by_name = [r for r in rows if str(r["student"]).casefold() == folded]
    if len(by_name) > 1:
        raise TermError(f"{where}: expected one student, got student={key!r} naming "
                        f"{len(by_name)} students; use an email or SID")
    if not by_name:
        raise TermError(f"{where}: expected a student of this batch, got student={key!r}, "
                        "which no email, SID, name or entry of the gradebook matches; fix it "
                        "or delete the row")
    return by_name
