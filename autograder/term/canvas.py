"""``canvas.csv``: the batch's scores as a Canvas gradebook import file, and
``canvas_unmatched.csv``: the students it could not place (never dropped).

Canvas's gradebook import ("How do I import grades in the Gradebook?", Canvas Instructor Guide)
reads a CSV whose first columns are ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID`` and
``Section``, then one column per assignment; a column named ``Name (123)`` updates assignment
123, a new name creates an assignment. An optional second row holds ``Points Possible`` in the
Student column and each assignment's points under it. Canvas finds each student by ``ID``,
else ``SIS User ID``, else ``SIS Login ID``.

The students are matched to a roster, Canvas's own gradebook export (Grades, Export: the same
first five columns), by SIS User ID (the SID in Gradescope's export) or by SIS Login ID (the
email, or the part before its ``@``): the row then carries Canvas's ID and section. Without a
roster, a student with an SID or an email gets a row with those in the SIS columns; one with
neither is unmatched.
"""
from __future__ import annotations

import csv
from pathlib import Path

from autograder.safecsv import write_rows
from autograder.term.errors import TermError

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"
CANVAS = "canvas.csv"
UNMATCHED = "canvas_unmatched.csv"


def read_roster(path: Path) -> list[dict]:
    """Canvas's gradebook export: its student rows (the points-possible row and the test
    student left out); TermError when its first columns are not Canvas's."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [str(h).strip() for h in reader.fieldnames or []]
            if header[:len(IDENTITY)] != IDENTITY:
                raise TermError(f"{path.name} line 1: expected Canvas's gradebook export "
                                f"({', '.join(IDENTITY)}, ...), got header={','.join(header)!r}; "
                                "export it from Canvas's Grades page")
            reader.fieldnames = header
            return [{k: (row.get(k) or "").strip() for k in IDENTITY} for row in reader
                    if (row.get("Student") or "").strip() not in ("", POINTS_POSSIBLE)
                    and "Points Possible" not in (row.get("Student") or "")
                    and (row.get("Student") or "").strip() != "Student, Test"]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise TermError(f"expected a UTF-8 CSV at {path}, got an error: {e}") from e


def _login_keys(email: str) -> set[str]:
    email = email.strip().casefold()
    return {email, email.split("@", 1)[0]} if email else set()


def _place(row: dict, roster: list[dict] | None) -> dict | None:
    sid, email = str(row["id"]).strip(), str(row["email"]).strip()
    if roster is None:
        if not (sid or email):
            return None
        return {"Student": row["student"], "ID": "", "SIS User ID": sid,
                "SIS Login ID": email, "Section": ""}
    for person in roster:
        if sid and person["SIS User ID"] == sid:
            return dict(person)
    keys = _login_keys(email)
    for person in roster:
        if keys and person["SIS Login ID"].casefold() in keys:
            return dict(person)
    return None


def write_canvas(rows: list[dict], folder: Path, *, assignment: str, points: float,
                 score: str, roster: Path | None) -> list[Path]:
    """``canvas.csv`` (and ``canvas_unmatched.csv`` when some student has no match) in
    ``folder``, from the gradebook ``rows``; ``score``: the column holding the score."""
    people = read_roster(roster) if roster else None
    placed, unmatched, seen = [], [], set()
    for row in rows:
        person = _place(row, people)
        key = person and (person["ID"] or person["SIS User ID"] or person["SIS Login ID"])
        if person is None or key in seen:
            why = "no Canvas student matches its SID or email" if person is None else \
                "another row already gives this Canvas student a score"
            unmatched.append({"student": row["student"], "email": row["email"], "id": row["id"],
                              "submission": row["submission"], "score": row[score],
                              "why": why})
            continue
        seen.add(key)
        placed.append({**person, assignment: row[score]})
    columns = [*IDENTITY, assignment]
    points_row = {"Student": POINTS_POSSIBLE, assignment: round(points, 2)}  # sums of floats
    written = [write_rows(folder / CANVAS, columns, [points_row, *placed])]
    if unmatched:
        written.append(write_rows(folder / UNMATCHED, ["student", "email", "id", "submission",
                                                       "score", "why"], unmatched))
    return written
