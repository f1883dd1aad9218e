"""``gradebook.csv``: one row per student. Who a submission belongs to comes from Gradescope's
``submission_metadata.json`` in the entry's folder when there is one (every user of a group
submission gets a row), else from the entry's name, without the prefix that GitHub Classroom
puts in front of every student's repository (``lecture16-alice`` -> ``alice``)."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from autograder.batchgrade import Graded

METADATA = "submission_metadata.json"


def _prefix(names: list[str]) -> str:
    """The ``...-`` prefix every name shares (Classroom's ``<assignment>-<username>``)."""
    if len(names) < 2:
        return ""
    common = os.path.commonprefix(names)
    prefix = common[:common.rfind("-") + 1]
    return prefix if all(len(n) > len(prefix) for n in names) else ""


def _users(record: Graded) -> list[dict]:
    path = record.entry / METADATA
    if not record.entry.is_dir() or not path.is_file():
        return []
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users") or []
        return [{"student": u.get("name") or u.get("email") or str(u.get("id", "")),
                 "email": u.get("email", ""), "id": u.get("id", "")} for u in users]
    except (OSError, ValueError, AttributeError):
        return []


def gradebook_rows(records: list[Graded], questions: list[str]) -> list[dict]:
    prefix = _prefix([r.submission for r in records])
    rows = []
    for record in records:
        scores = {"submission": record.submission, "total": round(record.total, 6),
                  "max_total": round(record.max_total, 6),
                  **{q: round(record.by_question.get(q, 0.0), 6) for q in questions},
                  "note": record.note}
        users = _users(record) or [{"student": record.submission[len(prefix):], "email": "",
                                    "id": ""}]
        rows += [{**user, **scores} for user in users]
    return sorted(rows, key=lambda r: str(r["student"]).lower())


def write_gradebook(records: list[Graded], questions: list[str], path: Path) -> Path:
    rows = gradebook_rows(records, questions)
    columns = ["student", "email", "id", "submission", "total", "max_total", *questions, "note"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path
