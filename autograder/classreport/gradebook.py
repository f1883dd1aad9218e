"""``gradebook.csv``: one row per student. Who a submission belongs to comes only from what the
instructor downloaded: the ``submission_metadata.yml`` beside the entries of Gradescope's
"Export Submissions" (``submission_123: {:submitters: [{:name, :email, :sid}]}``; every member
of a group submission gets a row), else the entry's name, without the prefix that GitHub
Classroom puts in front of every student's repository (``lecture16-alice`` -> ``alice``). Never
from a file inside an entry: a student can commit a ``submission_metadata.json`` naming anyone.
Cells that a spreadsheet would read as a formula are neutralised (:mod:`autograder.safecsv`)."""
from __future__ import annotations

import functools
import os
from pathlib import Path

from autograder.batchgrade import Graded
from autograder.safecsv import write_rows

EXPORT_METADATA = "submission_metadata.yml"


def _prefix(names: list[str]) -> str:
    """The ``...-`` prefix every name shares (Classroom's ``<assignment>-<username>``)."""
    if len(names) < 2:
        return ""
    common = os.path.commonprefix(names)
    prefix = common[:common.rfind("-") + 1]
    return prefix if all(len(n) > len(prefix) for n in names) else ""


def _user(name="", email="", id="") -> dict:
    return {"student": name or email or str(id), "email": email or "", "id": id or ""}


def export_metadata(folder: Path) -> dict[str, dict] | None:
    """Entry name -> its mapping in the export's ``submission_metadata.yml`` in ``folder``
    (Ruby's colons stripped from the keys); None when there is none or it cannot be read.
    Gradescope writes Ruby-style keys (``:submitters:``) and may tag values
    (``!ruby/object:BigDecimal``): tagged values are read as None (only names, emails, SIDs and
    ``:created_at:`` are used)."""
    path = folder / EXPORT_METADATA
    if not path.is_file():
        return None
    try:
        import yaml
    except ImportError:  # otter-grader brings PyYAML; without it, names come from the entries
        return None
    try:
        class Loader(yaml.SafeLoader):
            pass

        Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader) or {}
        return {str(entry): {str(k).lstrip(":"): v for k, v in (info or {}).items()}
                for entry, info in data.items()}
    except (OSError, ValueError, AttributeError, TypeError, yaml.YAMLError):
        return None


@functools.lru_cache(maxsize=16)
def export_users(folder: Path) -> dict[str, list[dict]]:
    """Entry name -> its submitters, from an export's ``submission_metadata.yml`` in ``folder``
    ({} when there is none or it cannot be read)."""
    try:
        found = {}
        for entry, info in (export_metadata(folder) or {}).items():
            people = [{str(k).lstrip(":"): v for k, v in (u or {}).items()}
                      for u in info.get("submitters") or []]
            found[entry] = [_user(u.get("name"), u.get("email"), u.get("sid") or "")
                            for u in people]
        return found
    except (ValueError, AttributeError, TypeError):
        return {}


def _users(record: Graded) -> list[dict]:
    """The submitters the instructor's export names for this entry ([] when none does)."""
    return export_users(record.entry.parent.resolve()).get(record.submission) or []


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


def gradebook_columns(questions: list[str]) -> list[str]:
    return ["student", "email", "id", "submission", "total", "max_total", *questions, "note"]


def write_gradebook(records: list[Graded], questions: list[str], path: Path,
                    rows: list[dict] | None = None, extra: list[str] = ()) -> Path:
    """``rows``: the gradebook's rows when made already (the term's columns, ``extra``, added)."""
    rows = gradebook_rows(records, questions) if rows is None else rows
    return write_rows(path, [*gradebook_columns(questions), *extra], rows)
