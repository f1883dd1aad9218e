"""The instructor's term after grading (issue 25): late work against a due date and extensions,
from a Gradescope export's ``:created_at:`` and from Classroom commits; overrides; the Canvas
import file; errors that name the bad row; and nothing changed without settings."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from checkout import run_checked

from autograder.batchgrade import Graded
from autograder.classreport import write_class_report
from autograder.classreport.gradebook import export_users
from autograder.questions import NUMPY_QUESTIONS
from autograder.term import TermError, load_term
from autograder.term.canvas import IDENTITY, POINTS_POSSIBLE
from autograder.term.config import term_from
from autograder.term.times import parse_time

QUESTIONS = [q.id for q in NUMPY_QUESTIONS]
DUE = "2026-12-01 23:59 America/New_York"
POLICY = {"grace_minutes": 15, "percent": 10, "percent_per": "day", "max_percent": 50,
          "not_accepted_after": "2026-12-10 23:59 America/New_York"}

def _submission(name: str, people, created: str = "", more: str = "") -> str:
    """One submission of the export: its submitters (name, sid), its time, more keys."""
    lines = [f"{name}:", "  :submitters:"]
    for person, sid in people:
        lines += [f"  - :name: {person}", f"    :sid: '{sid}'",
                  f"    :email: {person.split()[0].lower()}@example.edu"]
    if created:
        lines.append(f"  :created_at: {created}")
    return "\n".join(lines) + "\n" + more


# A Gradescope "Export Submissions" download: Ruby keys, Ruby's nanosecond times in the
# submitter's offset (Pacific, Central European, UTC), a Ruby-tagged score, a group submission.
EXPORT_YML = "".join([
    _submission("submission_301", [("Ada Lovelace", "0042")],
                "2026-12-01 20:30:00.123456789 -08:00",
                "  :score: !ruby/object:BigDecimal 18:0.8e2\n  :status: processed\n"),
    _submission("submission_302", [("Grace Hopper", "0044")],
                "2026-12-02 05:10:00.000000000 +00:00"),
    _submission("submission_303", [("Alan Turing", "0045"), ("Joan Clarke", "0046")],
                "2026-12-02 14:00:00.000000000 -08:00"),
    _submission("submission_304", [("Barbara Liskov", "0047")],
                "2026-12-04 10:00:00.000000000 +01:00"),
    _submission("submission_305", [("Edsger Dijkstra", "0048")],
                "2026-12-05 12:00:00.000000000 -05:00"),
    _submission("submission_306", [("Donald Knuth", "0049")]),  # no time
    _submission("submission_307", [("Frances Allen", "0050")],
                "2026-12-08 09:00:00.000000000 -05:00"),
    _submission("submission_308", [("John Backus", "0051")],
                "2026-12-11 09:00:00.000000000 -05:00"),
    _submission("submission_309", [("Radia Perlman", "0052")], "last tuesday"),
])

TOTALS = {"submission_301": 90.0, "submission_302": 80.0, "submission_303": 70.0,
          "submission_304": 60.0, "submission_305": 50.0, "submission_306": 40.0,
          "submission_307": 100.0, "submission_308": 100.0, "submission_309": 30.0}


def _export(root: Path) -> list[Graded]:
    export_users.cache_clear()
    root.mkdir(parents=True, exist_ok=True)
    (root / "submission_metadata.yml").write_text(EXPORT_YML)
    records = []
    for name, total in TOTALS.items():
        (root / name).mkdir()
        records.append(Graded(submission=name, entry=root / name, total=total, graded=True,
                              file="lm_training.py",
                              by_question={"q1_chunking": min(total, 15.0)}))
    return records


def _settings(folder: Path, files: dict[str, str], **term) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    path = folder / "otter_config.json"
    path.write_text(json.dumps({"autograder": {}, "term": term}))
    return path


def _gradebook(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


def test_late_policy_on_a_gradescope_export(tmp_path):
    records = _export(tmp_path / "export")
    settings = _settings(tmp_path / "term", {"extensions.csv": (
        "student,due\nedsger@example.edu,2026-12-05 23:59 America/New_York\n")},
        due=DUE, late_policy=POLICY, extensions="extensions.csv")
    out = tmp_path / "out"
    write_class_report(records, out, title="export", term=load_term(settings))
    rows = _gradebook(out)
    got = {name: (r["late_hours"], float(r["raw_total"]), float(r["late_penalty"]),
                  float(r["final_total"])) for name, r in rows.items()}
    # 20:30 Pacific is 23:30 in New York: on time
    assert got["Ada Lovelace"] == ("0.0", 90.0, 0.0, 90.0)
    assert rows["Ada Lovelace"]["submitted_at"] == "2026-12-01 23:30:00-05:00"
    assert rows["Ada Lovelace"]["time_source"] == "Gradescope export created_at"
    # 05:10 UTC is 00:10 in New York: 11 minutes late, within the 15 minutes' grace
    assert got["Grace Hopper"] == ("0.18", 80.0, 0.0, 80.0)
    assert rows["Grace Hopper"]["term_note"] == "within the grace period"
    # 14:00 Pacific on Dec 2 is 17:00 in New York: 17 h 1 min late, 1 started day, 10% off;
    # both members of the group submission
    for name in ("Alan Turing", "Joan Clarke"):
        assert got[name] == ("17.02", 70.0, 7.0, 63.0)
    # 10:00 in Paris on Dec 4 is 04:00 in New York: 2 days 4 h late, 3 started days, 30% off
    assert got["Barbara Liskov"] == ("52.02", 60.0, 18.0, 42.0)
    assert "3 started days, 30% off" in rows["Barbara Liskov"]["term_note"]
    # an extension to Dec 5 23:59: on time at noon that day
    assert got["Edsger Dijkstra"] == ("0.0", 50.0, 0.0, 50.0)
    assert rows["Edsger Dijkstra"]["due"] == "2026-12-05 23:59:00-05:00"
    # 6 days late: 60% by the rate, capped at 50%
    assert got["Frances Allen"][2:] == (50.0, 50.0)
    # after not_accepted_after: nothing
    assert got["John Backus"][2:] == (100.0, 0.0)
    assert rows["John Backus"]["term_note"].startswith("not accepted")
    # no created_at, or one that cannot be read: a named note, never a silent on-time
    for name, why in (("Donald Knuth", "no created_at"), ("Radia Perlman", "'last tuesday'")):
        assert rows[name]["late_hours"] == "" and float(rows[name]["final_total"]) == \
            float(rows[name]["raw_total"])
        assert why in rows[name]["term_note"] and "check by hand" in rows[name]["term_note"]
    report = (out / "report.md").read_text()
    late = report.split("## After grading")[1]
    assert "- late, with a penalty: 4" in late and "- not accepted (after the last date): 1" in late
    assert "- no submission time, the policy not applied (check by hand): 2" in late
    assert "1 with an extension" in late


def _repo(root: Path, name: str, when: str) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    (repo / "lm_training.py").write_text("x = 1\n")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    for cmd in (["init", "-q"], ["add", "."],
                ["-c", "user.name=s", "-c", "user.email=s@example.edu", "commit", "-q", "-m",
                 "work"]):
        run_checked(["git", *cmd], cwd=repo, env=env)
    return repo


def test_late_policy_on_classroom_commits(tmp_path):
    root = tmp_path / "repos"
    times = {"lecture16-kim": "2026-12-01T23:00:00-05:00",  # on time, New York
             "lecture16-lee": "2026-12-02T06:30:00+01:00",  # 00:30 in New York: late, 1 day
             "lecture16-max": "2026-12-02T05:00:00-08:00"}  # 08:00 in New York: late, 1 day
    records = [Graded(submission=n, entry=_repo(root, n, t), total=80.0, graded=True,
                      file="lm_training.py") for n, t in times.items()]
    records.append(Graded(submission="lecture16-nat", entry=root / "lecture16-nat", total=50.0,
                          graded=True))  # not a repository: no time
    (root / "lecture16-nat").mkdir()
    term = term_from({"due": "2026-12-01T23:59:00-05:00",
                      "late_policy": {"percent": 25, "percent_per": "day"}}, tmp_path)
    out = tmp_path / "out"
    write_class_report(records, out, title="repos", term=term)
    rows = _gradebook(out)
    assert rows["kim"]["late_penalty"] == "0.0" and rows["kim"]["final_total"] == "80.0"
    assert rows["kim"]["submitted_at"] == "2026-12-01 23:00:00-05:00"
    assert rows["kim"]["time_source"].startswith("commit ")
    for name in ("lee", "max"):
        assert (rows[name]["late_penalty"], rows[name]["final_total"]) == ("20.0", "60.0")
    assert rows["lee"]["submitted_at"] == "2026-12-02 00:30:00-05:00"
    assert "git repository" in rows["nat"]["term_note"]
    assert rows["nat"]["final_total"] == "50.0"


OVERRIDES = ("student,question,points,reason\n"
             "ada@example.edu,q1_chunking,15,regrade request: eos handled\n"
             "0045,total,95,oral exam\n")


def test_overrides_apply_and_keep_the_original(tmp_path):
    records = _export(tmp_path / "export")
    records[0].by_question["q1_chunking"] = 5.0  # Ada's autograded q1
    settings = _settings(tmp_path / "term", {"overrides.csv": OVERRIDES}, due=DUE,
                         late_policy=POLICY, overrides="overrides.csv")
    out = tmp_path / "out"
    write_class_report(records, out, title="export", term=load_term(settings))
    rows = _gradebook(out)
    ada = rows["Ada Lovelace"]
    assert ada["q1_chunking"] == "5.0" and ada["total"] == "90.0"  # the autograder's
    assert ada["raw_total"] == "100.0" and ada["final_total"] == "100.0"
    assert ada["overrides"] == "q1_chunking: 5 -> 15 (regrade request: eos handled)"
    alan = rows["Alan Turing"]  # late (10% off) but the total override is the last word
    assert alan["final_total"] == "95.0" and alan["overrides"] == "total: 95 (oral exam)"
    assert rows["Joan Clarke"]["final_total"] == "63.0"  # her group partner's override only
    assert "overridden by the instructor: 2" in (out / "report.md").read_text()


@pytest.mark.parametrize("text, message", [
    ("student,question,points,reason\nnobody@example.edu,total,3,x\n",
     "overrides.csv line 2: expected a student of this batch, got student='nobody@example.edu'"),
    ("student,question,points,reason\nada@example.edu,total,3,x\n0042,q9_nothing,1,y\n",
     "overrides.csv line 3: expected a question id"),
    ("student,question,points,reason\nada@example.edu,q1_chunking,lots,x\n",
     "overrides.csv line 2: expected points as a number of at least 0, got points='lots'"),
    ("student,question,points,reason\nada@example.edu,q1_chunking,3,\n",
     "overrides.csv line 2: expected a reason"),
    ("student,question,score\nada@example.edu,q1_chunking,3\n",
     "overrides.csv line 1: expected the columns student, question, points, reason"),
])
def test_a_bad_override_names_its_row(tmp_path, text, message):
    records = _export(tmp_path / "export")
    settings = _settings(tmp_path / "term", {"overrides.csv": text}, overrides="overrides.csv")
    with pytest.raises(TermError) as e:
        write_class_report(records, tmp_path / "out", title="x", term=load_term(settings))
    assert message in str(e.value)


@pytest.mark.parametrize("text, message", [
    ("student,due\nada@example.edu,2026-12-03 23:59\n",
     "extensions.csv line 2: expected a time with its zone"),
    ("student,due\nada@example.edu,2026-12-03 23:59 Mars/Olympus\n",
     "extensions.csv line 2: expected a time with its zone"),
    ("student,due\nada@example.edu,2026-12-03 23:59 UTC\nADA@example.edu,2026-12-04 10:00 UTC\n",
     "extensions.csv line 3: expected one extension per student"),
    ("student,due\nwho@example.edu,2026-12-03 23:59 UTC\n",
     "extensions.csv line 2: expected a student of this batch"),
])
def test_a_bad_extension_names_its_row(tmp_path, text, message):
    records = _export(tmp_path / "export")
    settings = _settings(tmp_path / "term", {"extensions.csv": text}, due=DUE,
                         extensions="extensions.csv")
    with pytest.raises(TermError) as e:
        write_class_report(records, tmp_path / "out", title="x", term=load_term(settings))
    assert message in str(e.value)


def test_times_need_their_zone():
    assert parse_time("2026-12-01 23:59 America/New_York", what="due").isoformat() == \
        "2026-12-01T23:59:00-05:00"
    assert parse_time("2026-07-01 23:59 America/New_York", what="due").utcoffset().days == -1
    assert parse_time("2026-12-01T23:59Z", what="due").isoformat() == "2026-12-01T23:59:00+00:00"
    assert parse_time("2026-12-01 20:30:00.123456789 -08:00", what="t").microsecond == 123456
    for bad in ("2026-12-01 23:59", "tomorrow", "2026-13-01 10:00 UTC", ""):
        with pytest.raises(TermError, match="expected a time with its zone"):
            parse_time(bad, what="due")
    with pytest.raises(TermError, match="a due date with the late policy"):
        term_from({"late_policy": {"percent": 10}}, Path("."))
    with pytest.raises(TermError, match="percent_per"):
        term_from({"due": DUE, "late_policy": {"percent_per": "week"}}, Path("."))


def test_no_settings_change_nothing(tmp_path):
    """Without a term (no key, or an empty one), every output is byte for byte what it was."""
    records = _export(tmp_path / "export")
    outputs = []
    for n, term in enumerate((None, load_term(None), term_from({}, tmp_path))):
        out = tmp_path / f"out{n}"
        written = write_class_report(records, out, title="export", term=term)
        outputs.append({p.name: p.read_bytes() for p in written})
    assert outputs[0] == outputs[1] == outputs[2]
    assert set(outputs[0]) <= {"report.md", "gradebook.csv", "report_totals.png",
                               "report_questions.png", "report_hidden_tests.png"}
    header = outputs[0]["gradebook.csv"].decode().splitlines()[0]
    assert header == ",".join(["student", "email", "id", "submission", "total", "max_total",
                               *QUESTIONS, "note"])
    assert b"After grading" not in outputs[0]["report.md"]


ROSTER = """\
Student,ID,SIS User ID,SIS Login ID,Section,Lecture 16 (5531)
    Points Possible,,,,,100.00
"Lovelace, Ada",101,0042,ada,PSYC 51.17,
"Hopper, Grace",102,9999,grace@example.edu,PSYC 51.17,
"Student, Test",999,,,PSYC 51.17,
"""


def _canvas_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_file_follows_canvas_import_rules(tmp_path):
    """Canvas's documented import format: the columns Student, ID, SIS User ID, SIS Login ID,
    Section, then the assignment's column; a second row "Points Possible" with its points; every
    student row identified by ID, SIS User ID or SIS Login ID; a score a number. Students the
    roster does not hold are listed apart."""
    records = _export(tmp_path / "export")
    settings = _settings(tmp_path / "term", {"canvas.csv": ROSTER}, due=DUE, late_policy=POLICY,
                         canvas={"assignment": "Lecture 16 (5531)", "roster": "canvas.csv"})
    out = tmp_path / "out"
    write_class_report(records, out, title="export", term=load_term(settings))
    rows = _canvas_rows(out / "canvas.csv")
    assert rows[0] == [*IDENTITY, "Lecture 16 (5531)"]
    assert rows[1][0] == POINTS_POSSIBLE and rows[1][1:5] == ["", "", "", ""]
    assert float(rows[1][5]) == 100.0
    students = {r[0]: r for r in rows[2:]}
    for row in rows[2:]:
        assert len(row) == 6 and any(row[1:4]), row  # Canvas finds the student
        float(row[5])
        assert not row[0].startswith(("=", "+", "-", "@"))
    # Ada by SIS User ID (her SID), Grace by SIS Login ID (her email): Canvas's own ids
    assert students["Lovelace, Ada"][1:5] == ["101", "0042", "ada", "PSYC 51.17"]
    assert students["Lovelace, Ada"][5] == "90.0"
    assert students["Hopper, Grace"][1] == "102"
    assert len(rows) == 4  # the test student is not given a score
    unmatched = {r["student"]: r for r in csv.DictReader((out / "canvas_unmatched.csv").open())}
    assert set(unmatched) == {n for n in _gradebook(out)} - {"Ada Lovelace", "Grace Hopper"}
    assert unmatched["Alan Turing"]["score"] == "63.0"  # the final score, late penalty taken
    assert "canvas_unmatched.csv" in (out / "report.md").read_text()


def test_canvas_file_without_a_roster(tmp_path):
    records = _export(tmp_path / "export")
    records.append(Graded(submission="stray", entry=tmp_path / "export" / "stray", total=5.0,
                          graded=True))
    (tmp_path / "export" / "stray").mkdir()
    out = tmp_path / "out"
    write_class_report(records, out, title="export", term=term_from({"canvas": True}, tmp_path))
    rows = _canvas_rows(out / "canvas.csv")
    assert rows[0][-1] == "lecture16" and len(rows) == 2 + 10  # ten students with an SID
    ada = next(r for r in rows if r[0] == "Ada Lovelace")
    assert ada[1:5] == ["", "0042", "ada@example.edu", ""] and ada[5] == "90.0"
    unmatched = list(csv.DictReader((out / "canvas_unmatched.csv").open()))
    assert [r["student"] for r in unmatched] == ["stray"]


def _commit(repo: Path, text: str, when: str) -> None:
    (repo / "lm_training.py").write_text(text)
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
    for cmd in (["add", "."], ["-c", "user.name=s", "-c", "user.email=s@example.edu", "commit",
                               "-q", "-m", "work"]):
        run_checked(["git", *cmd], cwd=repo, env=env)


def test_grade_dir_with_a_term_and_a_regrade(tmp_path, capsys):
    """``grade DIR --csv --term`` on cloned Classroom repositories, graded for real, then graded
    again after a new commit: the overrides stay, on top of the new autograded score."""
    from autograder.build.release import solutions_module
    from autograder.cli import main
    from autograder.engine.config import load_config
    from autograder.hidden import cases
    from autograder.build.template import template_text
    from tests.classmates import CLEO, fill

    # the hidden tests' inputs drawn before the batch: on a checkout without them, two gradings
    # drawing them at once under load scored 0 (seen once here; not this test's subject)
    cases.ensure(load_config().examples_per_test)
    template = template_text()
    root = tmp_path / "repos"
    _repo(root, "lecture16-ann", "2026-12-01T22:00:00-05:00")
    _commit(root / "lecture16-ann", solutions_module(), "2026-12-01T22:00:00-05:00")
    _repo(root, "lecture16-ben", "2026-12-01T20:00:00-08:00")
    _commit(root / "lecture16-ben", fill(template, CLEO), "2026-12-01T20:00:00-08:00")
    _repo(root, "lecture16-cy", "2026-12-01T12:00:00+00:00")
    _commit(root / "lecture16-cy", template, "2026-12-01T12:00:00+00:00")
    settings = _settings(tmp_path / "term", {"overrides.csv": (
        "student,question,points,reason\nlecture16-ben,q1_chunking,15,eos 0 accepted in office "
        "hours\ncy,total,10,medical note\n")},
        due="2026-12-01 23:59 America/New_York", late_policy={"percent": 20},
        overrides="overrides.csv", canvas=True, similarity={"threshold": 0.5})
    out = tmp_path / "out"
    args = ["grade", str(root), "--csv", str(out / "grades.csv"), "--jobs", "2",
            "--term", str(settings), "--results-dir", str(out / "results")]
    assert main(args) == 0
    first = _gradebook(out)
    assert float(first["ann"]["final_total"]) == pytest.approx(100.0)
    assert first["ann"]["time_source"].startswith("commit ") and first["ann"]["late_hours"] == "0.0"
    ben_q1 = float(first["ben"]["q1_chunking"])
    assert ben_q1 < 15 and f"q1_chunking: {ben_q1:g} -> 15" in first["ben"]["overrides"]
    assert float(first["ben"]["raw_total"]) == pytest.approx(float(first["ben"]["total"]) + 15
                                                             - ben_q1)
    assert first["cy"]["total"] == "0.0" and first["cy"]["final_total"] == "10.0"
    for name in ("canvas_unmatched.csv", "similarity.html", "similarity.csv", "report.md"):
        assert (out / name).is_file(), name
    assert "## After grading" in (out / "report.md").read_text()
    assert _canvas_rows(out / "canvas.csv")[1][-1] == "100.0"  # not a sum's 100.000001
    assert len(list(csv.DictReader((out / "canvas_unmatched.csv").open()))) == 3  # no SIDs
    # ben fixes q1 after the due date (23:30 Pacific is 02:30 in New York): a regrade
    _commit(root / "lecture16-ben", fill(template, {**CLEO, "chunk_tokens": CLEO[
        "chunk_tokens"].replace("if eos_id:", "if eos_id is not None:")}),
        "2026-12-01T23:30:00-08:00")
    assert main(args) == 0
    again = _gradebook(out)
    assert float(again["ben"]["q1_chunking"]) == 15.0  # the new autograded score
    assert again["ben"]["overrides"] == "q1_chunking: 15 -> 15 (eos 0 accepted in office hours)"
    raw = float(again["ben"]["raw_total"])
    assert float(again["ben"]["late_penalty"]) == pytest.approx(raw * 0.2)
    assert again["cy"]["final_total"] == "10.0"


def test_grade_dir_stops_on_a_bad_row_before_grading(tmp_path, capsys):
    from autograder.cli import main

    (tmp_path / "repos" / "lecture16-ann").mkdir(parents=True)
    settings = _settings(tmp_path / "term", {"overrides.csv": (
        "student,question,points,reason\nann,q1_chunking,,forgot\n")}, overrides="overrides.csv")
    assert main(["grade", str(tmp_path / "repos"), "--csv", str(tmp_path / "out" / "g.csv"),
                 "--term", str(settings)]) == 2
    assert "overrides.csv line 2: expected points" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreadable_export_is_a_note_not_on_time(tmp_path):
    records = _export(tmp_path / "export")[:1]
    (tmp_path / "export" / "submission_metadata.yml").write_text(": : [unclosed")
    out = tmp_path / "out"
    write_class_report(records, out, title="x", term=term_from({"due": DUE}, tmp_path))
    (row,) = _gradebook(out).values()
    assert row["late_hours"] == "" and "could not be read" in row["term_note"]
    assert "check by hand" in row["term_note"]


def test_a_penalty_per_hour(tmp_path):
    """2 % per started hour, at most 30 %: Grace is 11 minutes late (1 hour: 2 %), Alan 17 h
    1 min (18 hours: 36 %, capped at 30 %)."""
    records = _export(tmp_path / "export")
    term = term_from({"due": DUE, "late_policy": {"percent": 2, "percent_per": "hour",
                                                  "max_percent": 30}}, tmp_path)
    write_class_report(records, tmp_path / "out", title="x", term=term)
    rows = _gradebook(tmp_path / "out")
    assert (rows["Grace Hopper"]["late_penalty"], rows["Grace Hopper"]["final_total"]) == \
        ("1.6", "78.4")
    assert "1 started hour, 2% off" in rows["Grace Hopper"]["term_note"]
    assert (rows["Alan Turing"]["late_penalty"], rows["Alan Turing"]["final_total"]) == \
        ("21.0", "49.0")
