"""Issue 25's class-report fixes: a note's apostrophe shown once (not ``&\\#x27;``), the
hidden-tests plot counts wrong answers among the submissions that wrote the function (an untouched
template says nothing of a test), the title names the lecture, not the folder."""
from __future__ import annotations

from pathlib import Path

from autograder.batchgrade import Graded
from autograder.classreport import write_class_report
from autograder.classreport.plots import wrong_share
from autograder.classreport.render import ASSIGNMENT_TITLE, escape
from autograder.classreport.stats import class_stats

NAME = "q4_perplexity corpus_perplexity weights every token equally, not every batch"


def _test(score: int, output: str) -> dict:
    return {"name": NAME, "score": score, "max_score": 2,
            "status": "passed" if score else "failed", "output": output}


def test_apostrophes_and_ampersands_are_escaped_once():
    assert escape("no file holds work of the student's own") == \
        "no file holds work of the student's own"
    assert escape("a & b <i>") == "a &amp; b &lt;i&gt;"


def test_untouched_templates_do_not_fill_the_hidden_tests_plot():
    records = [Graded("wrong", Path("."), graded=True, tests=[_test(0, "got 3")]),
               Graded("right", Path("."), graded=True, tests=[_test(2, "")])]
    records += [Graded(f"stub{i}", Path("."), graded=True,
                       tests=[_test(0, "raises `NotImplementedError`")]) for i in range(8)]
    (test,) = class_stats(records).tests
    assert test.taken == 10 and len(test.not_attempted) == 8
    assert wrong_share(test) == (50.0, 2)  # 1 wrong of the 2 that wrote it, not 9 of 10


def test_the_title_names_the_lecture(tmp_path):
    records = [Graded("alice", tmp_path / "class" / "alice", graded=True, total=50.0,
                      note="no file holds work of the student's own")]
    (tmp_path / "class" / "alice").mkdir(parents=True)
    report = next(p for p in write_class_report(records, tmp_path / "out", title="class")
                  if p.name == "report.md").read_text()
    assert report.splitlines()[0] == f"# Class report: {ASSIGNMENT_TITLE}"
    assert "Graded from the folder class." in report
    assert "the student's own" in report and "&\\#x27;" not in report
