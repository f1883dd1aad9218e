"""``grade DIR --csv`` over a small class of mock cloned GitHub Classroom repositories: every valid
one graded, the others reported by name, then report.md, its plots and the gradebook."""
import contextlib
import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from autograder.batchgrade import Graded
from autograder.build.release import solutions_module
from autograder.build.template import template_text
from autograder.classreport.render import common_mistakes
from autograder.classreport.stats import class_stats, not_attempted
from autograder.cli import main
from autograder.questions import NUMPY_QUESTIONS

FULL = sum(q.points for q in NUMPY_QUESTIONS)
PER_BATCH_MEAN = '''

def corpus_perplexity(losses, counts):
    return float(np.mean(np.exp(np.asarray(losses, dtype=float))))
'''
EOS_ZERO = '''

def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream += list(doc) + ([eos_id] if eos_id else [])
    n = len(stream) // block_size
    return np.array(stream[:n * block_size], dtype=np.int64).reshape(n, block_size)
'''
ONLY_Q1 = '''

def next_token_pairs(blocks):
    return blocks[:, :-1].copy(), blocks[:, 1:].copy()
'''


def _clone(root: Path, name: str, classroom: Path, files: dict) -> Path:
    repo = root / name
    if classroom is not None:
        shutil.copytree(classroom, repo)
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for rel, source in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copy(source, repo / rel)
        else:
            (repo / rel).write_text(source)
    return repo


@pytest.fixture(scope="module")
def graded_class(dist, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    repos, classroom = root / "lecture16-submissions", dist / "classroom"
    reference_nb = dist / "solutions" / "lecture16.ipynb"
    _clone(repos, "lecture16-alice", classroom, {
        "lecture16.ipynb": reference_nb,
        ".ipynb_checkpoints/lecture16-checkpoint.ipynb": classroom / "lecture16.ipynb"})
    _clone(repos, "lecture16-bob", classroom, {})  # never started
    _clone(repos, "lecture16-carol", None, {})  # an empty repository
    _clone(repos, "lecture16-dave", classroom, {"lecture16.ipynb": reference_nb,
                                                "lecture16-v2.ipynb": reference_nb})
    _clone(repos, "lecture16-erin", classroom, {  # worked in the .py, a stray copy beside it
        "lm_training.py": solutions_module() + PER_BATCH_MEAN,
        "lecture16-Copy1.ipynb": classroom / "lecture16.ipynb"})
    _clone(repos, "lecture16-frank", classroom, {
        "lm_training.py": solutions_module() + EOS_ZERO,
        "submission_metadata.json": json.dumps({"users": [
            {"name": "Frank Example", "email": "frank@example.edu", "id": 7}]})})
    _clone(repos, "lecture16-gus", classroom, {
        "lm_training.py": template_text()
        + EOS_ZERO.replace("if eos_id", "if eos_id is not None")
        + ONLY_Q1})
    out = root / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["grade", str(repos), "--csv", str(out / "grades.csv"), "--jobs", "2",
                     "--results-dir", str(out / "results")]) == 0
    (out / "printed.txt").write_text(printed.getvalue())
    return out


def _rows(path: Path) -> dict[str, dict]:
    return {r["submission"]: r for r in csv.DictReader(path.open())}


def test_batch_grades_every_valid_repository(graded_class):
    rows = _rows(graded_class / "grades.csv")
    assert float(rows["lecture16-alice"]["total"]) == pytest.approx(FULL)
    assert rows["lecture16-alice"]["file"] == "lecture16.ipynb"
    assert rows["lecture16-erin"]["file"] == "lm_training.py"
    assert float(rows["lecture16-erin"]["q4_perplexity"]) < 10
    assert float(rows["lecture16-erin"]["q1_chunking"]) == 15
    assert float(rows["lecture16-frank"]["q1_chunking"]) < 15
    assert float(rows["lecture16-gus"]["q1_chunking"]) == 15
    assert float(rows["lecture16-gus"]["total"]) == 15
    assert all(rows[n]["note"] == "" for n in ("lecture16-alice", "lecture16-erin"))


def test_batch_reports_the_others_by_name(graded_class):
    rows = _rows(graded_class / "grades.csv")
    # the spec's file rule: no work is graded as the untouched template, work in two files is
    # graded twice and the best counts; only an entry with no notebook or .py is not graded
    assert "untouched template" in rows["lecture16-bob"]["note"]
    assert float(rows["lecture16-bob"]["total"]) == 0
    assert "empty" in rows["lecture16-carol"]["note"]
    assert float(rows["lecture16-carol"]["total"]) == 0 and rows["lecture16-carol"]["file"] == ""
    assert "lecture16-v2.ipynb" in rows["lecture16-dave"]["note"]
    assert float(rows["lecture16-dave"]["total"]) == pytest.approx(FULL)
    printed = (graded_class / "printed.txt").read_text()
    summary = printed.split("not graded:\n")[1]
    assert f"  lecture16-carol: {rows['lecture16-carol']['note']}" in summary
    assert "7 submission(s): 6 graded, 1 not graded" in printed


def test_report_and_plots_name_the_common_mistakes(graded_class):
    report = (graded_class / "report.md").read_text()
    for png in ("report_totals.png", "report_questions.png", "report_hidden_tests.png"):
        assert (graded_class / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({png})" in report
    assert "7 submissions: 6 graded, 1 not graded" in report
    mistakes = report.split("## Common mistakes")[1].split("## Hidden tests")[0]
    assert "corpus perplexity weights every token equally" in mistakes  # one row per idea
    assert "lecture16-erin" in mistakes
    assert "0 is a real id" in mistakes and "lecture16-frank" in mistakes
    assert "lecture16-gus" not in mistakes  # stubs are "not attempted", not mistakes
    assert "**lecture16-carol**: not graded" in report
    for name in ("lecture16-bob", "lecture16-dave"):  # graded, with the rule's note
        assert f"**{name}**: " in report and f"**{name}**: not graded" not in report


def test_gradebook_is_keyed_by_student(graded_class):
    rows = list(csv.DictReader((graded_class / "gradebook.csv").open()))
    students = {r["student"]: r for r in rows}
    # frank committed a submission_metadata.json naming someone: identities come only from the
    # instructor's export, never from a file inside a student's repository
    assert "Frank Example" not in students and "frank@example.edu" not in str(rows)
    assert {"alice", "bob", "carol", "dave", "erin", "frank", "gus"} <= set(students)
    assert float(students["alice"]["total"]) == pytest.approx(FULL)


def test_stats_count_stubs_as_not_attempted():
    assert not_attempted("`chunk_tokens` is not written yet: it raises `NotImplementedError: x`.")
    assert not_attempted("Not run: your submission does not define chunk_tokens (check ...)")
    assert not not_attempted("**Checked:** chunk_tokens ... expected 3, got 4")
    name = "q4_perplexity corpus_perplexity weights every token equally, not every batch"
    wrong = Graded("x", Path("."), graded=True, tests=[
        {"name": name, "score": 0, "max_score": 2, "status": "failed", "output": "got 3"}])
    stub = Graded("y", Path("."), graded=True, tests=[
        {"name": name, "score": 0, "max_score": 2, "status": "failed",
         "output": "raises `NotImplementedError`"}])
    stats = class_stats([wrong, stub, Graded("z", Path("."), note="empty")])
    (test,) = stats.tests
    assert test.wrong == ["x"] and test.not_attempted == ["y"] and test.taken == 2
    assert [r.submission for r in stats.not_graded] == ["z"]
    assert "| corpus perplexity weights every token equally" in "\n".join(common_mistakes(stats))


EXPORT_YML = """submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '0042'
    :email: ada@example.edu
  - :name: Charles Babbage
    :sid: '0043'
    :email: cb@example.edu
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
submission_102:
  :submitters:
  - :name: Grace Hopper
    :sid: '0044'
    :email: grace@example.edu
"""


def test_gradebook_reads_a_gradescope_export(tmp_path):
    """An "Export Submissions" download: submission folders and submission_metadata.yml (Ruby
    keys, a Ruby tag); a group submission gives one row per member."""
    (tmp_path / "submission_metadata.yml").write_text(EXPORT_YML)
    records = [Graded(submission=name, entry=tmp_path / name, total=total, graded=True)
               for name, total in (("submission_101", 80.0), ("submission_102", 55.0),
                                   ("submission_103", 10.0))]
    for record in records:
        record.entry.mkdir()
    from autograder.classreport.gradebook import gradebook_rows

    rows = {r["student"]: r for r in gradebook_rows(records, [q.id for q in NUMPY_QUESTIONS])}
    assert set(rows) == {"Ada Lovelace", "Charles Babbage", "Grace Hopper", "submission_103"}
    assert rows["Ada Lovelace"]["email"] == "ada@example.edu"
    assert rows["Ada Lovelace"]["id"] == "0042"
    assert rows["Charles Babbage"]["total"] == rows["Ada Lovelace"]["total"] == 80.0
    assert rows["Grace Hopper"]["submission"] == "submission_102"
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "submission_metadata.yml").write_text(": : [unclosed")
    lone = Graded(submission="submission_101", entry=tmp_path / "broken" / "submission_101")
    assert gradebook_rows([lone], [])[0]["student"] == "submission_101"


def _record(name: str, statuses: dict[str, str]) -> Graded:
    return Graded(name, Path("."), graded=True, tests=[
        {"name": test, "score": 0, "max_score": 1, "status": "failed", "output": "x",
         "extra_data": {"status": status, "idea": "", "kind": ""}}
        for test, status in statuses.items()])


def test_a_function_that_raised_or_hung_is_listed_apart_not_under_its_ideas():
    from autograder.classreport.render import render
    from autograder.hidden import hidden_tests

    tests = hidden_tests(examples_per_test=1)
    mask = [t.name for t in tests if t.functions == ("causal_mask",)]
    chunk = [t.name for t in tests if t.functions == ("chunk_tokens",)]
    xent = [t.name for t in tests if t.functions == ("cross_entropy",)]
    assert len(mask) > 1 and len(chunk) > 1 and xent
    raised = _record("raiser", {**{n: "raised" for n in mask}, xent[0]: "wrong"})
    hung = _record("hanger", {chunk[0]: "timeout", **{n: "disabled" for n in chunk[1:]}})
    stats = class_stats([raised, hung])
    assert [(r.function, r.what, r.students) for r in stats.stopped] == [
        ("chunk_tokens", "did not finish", ["hanger"]), ("causal_mask", "raised", ["raiser"])]
    charged = {i.idea.split(":")[0] for i in stats.mistakes() for _ in i.wrong}
    assert charged == {"q3_cross_entropy"}  # the wrong answer only: no idea of q1 or q2
    by_name = {t.name: t for t in stats.tests}
    assert by_name[mask[0]].stopped == ["raiser"] and not by_name[mask[0]].wrong
    assert by_name[xent[0]].wrong == ["raiser"]
    report = render(stats, "class", {})
    mistakes = report.split("## Common mistakes")[1].split("## Raised, or did not finish")[0]
    stopped = report.split("## Raised, or did not finish")[1].split("## Hidden tests")[0]
    assert "hanger" not in mistakes and "q2_causal_mask" not in mistakes and "q1" not in mistakes
    assert "| `causal_mask` | `q2_causal_mask` | raised | 1 | raiser |" in stopped
    assert "| `chunk_tokens` | `q1_chunking` | did not finish | 1 | hanger |" in stopped
