"""The optional "Going further" part (q8_accumulation, q9_preferences) graded as extra credit.

At 0 points (the default in otter_config.json) its tests run and report, for 0 points: every
existing submission keeps its grade and its total out of 100. With points set, Gradescope's
results.json, `grade`'s table, the batch CSV, the class report and the Classroom workflow show
them. Its notebook texts and public cases hold the lecture's numbers.
"""
import csv
import dataclasses
import re

import pytest
from checkout import FAST

from autograder.assignment import grade
from autograder.batchgrade import Graded, _read_results, write_csv
from autograder.build import classroom
from autograder.build.public_tests import split_points
from autograder.build.release import solutions_module
from autograder.build.texts import full_heading, heading
from autograder.classreport.stats import class_stats
from autograder.engine.config import load_config
from autograder.engine.results import to_gradescope
from autograder.report import batch_summary, score_table
from autograder.questions import BY_ID, FURTHER_QUESTIONS, NUMPY_QUESTIONS
from autograder.verify.entries import keep_functions

FULL = sum(q.points for q in NUMPY_QUESTIONS)
FURTHER = [q.id for q in FURTHER_QUESTIONS]
FURTHER_FUNCTIONS = [f for q in FURTHER_QUESTIONS for f in q.functions]


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    """The reference solution, and the same without the Going further functions (a submission
    written before the part existed)."""
    folder = tmp_path_factory.mktemp("further")
    reference = solutions_module()
    full = folder / "lm_training.py"
    full.write_text(reference, encoding="utf-8")
    numpy_only = folder / "numpy_only.py"
    numpy_only.write_text(keep_functions(reference, [f for q in NUMPY_QUESTIONS
                                                     for f in q.functions]), encoding="utf-8")
    assert "def accumulate_gradients" not in numpy_only.read_text(encoding="utf-8")
    return full, numpy_only


def record_of(result) -> Graded:
    record = Graded(submission=result.submission, entry=None)
    _read_results(record, to_gradescope(result))
    return record


def test_the_part_is_two_extra_credit_questions_worth_0_by_default():
    assert FURTHER == ["q8_accumulation", "q9_preferences"]
    assert all(q.track == "further" and q.points == 0 for q in FURTHER_QUESTIONS)
    assert load_config().going_further_points == 0
    assert heading(BY_ID["q8_accumulation"]) == "Going further 1: Gradient accumulation done right"
    assert full_heading(BY_ID["q9_preferences"]).startswith(
        "### Going further 2: Learning from preferences (`q9_preferences`, extra credit")


def test_at_0_points_every_grade_and_total_is_unchanged(submissions):
    full, numpy_only = submissions
    for path in (full, numpy_only):
        result = grade(path, FAST)
        assert (result.score, result.max_score) == (pytest.approx(FULL), pytest.approx(FULL))
        further = [t for t in result.tests if t.question in FURTHER]
        assert further and all(t.max_score == 0 for t in further)  # feedback only
        assert not [t for t in further if t.name.endswith(" before the due date")]
        record = record_of(result)
        assert record.max_total == pytest.approx(FULL)
        assert not set(FURTHER) & set(record.row())  # no extra-credit columns at 0 points
        assert not set(FURTHER) & set(class_stats([record]).questions)
    missing = [t for t in grade(numpy_only, FAST).tests
               if t.question in FURTHER and t.max_score == 0 and not t.name.endswith("checks")]
    assert missing and {t.status for t in missing} == {"missing"}  # and said so


def test_with_points_set_every_path_shows_them(submissions, tmp_path):
    full, numpy_only = submissions
    config = dataclasses.replace(FAST, going_further_points=10)
    result = grade(full, config)
    assert result.score == pytest.approx(FULL + 10) == result.max_score
    by_q = result.by_question()
    assert [by_q[q] for q in FURTHER] == [(5.0, 5.0), (5.0, 5.0)]
    data = to_gradescope(result)  # Gradescope's results.json
    assert data["score"] == pytest.approx(FULL + 10)
    assert sum(t["max_score"] for t in data["tests"] if t["name"].startswith("q8_")) == \
        pytest.approx(5)
    assert re.search(r"q8_accumulation\s+5\.00 / 5\.00", score_table(result))  # grade's table
    before = record_of(grade(numpy_only, config))
    records = [record_of(result), before]
    assert before.total == pytest.approx(FULL) and before.max_total == pytest.approx(FULL + 10)
    out = write_csv(records, tmp_path / "grades.csv")  # the batch CSV
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [float(rows[0][q]) for q in FURTHER] == [5.0, 5.0]  # exactly: short shares
    assert [float(rows[1][q]) for q in FURTHER] == [0.0, 0.0]
    stats = class_stats(records)  # the class report (and its gradebook columns)
    assert stats.questions[-2:] == FURTHER and stats.points("q9_preferences") == 5
    summary = batch_summary(records)
    assert "q8_accumulation        mean   2.50 / 5 (extra credit)" in summary


def test_the_classroom_workflow_reports_the_part_when_it_has_points(monkeypatch):
    steps = re.findall(r"--classroom (\S+)", classroom.workflow_text())
    assert steps == [q.id for q in NUMPY_QUESTIONS]  # 0 points: not reported
    config = dataclasses.replace(load_config(), going_further_points=10)
    monkeypatch.setattr("autograder.engine.config.load_config", lambda: config)
    steps = re.findall(r"--classroom (\S+)", classroom.workflow_text())
    assert steps == [q.id for q in NUMPY_QUESTIONS] + FURTHER
    assert "| 5 |" in classroom.readme_text()
    # fewer whole points than checks: whole points first, the last checks feedback only (as q7's)
    assert split_points(5, 7) == [1, 1, 1, 1, 1, 0, 0]
    assert split_points(2.5, 2) == [1.25, 1.25]  # points that are not whole: equal shares


def test_the_texts_name_the_functions_and_the_rule():
    for question in FURTHER_QUESTIONS:
        text = question.text_path.read_text(encoding="utf-8")
        for name in question.functions:
            assert f"`{name}(" in text, name
    q8 = BY_ID["q8_accumulation"].text_path.read_text(encoding="utf-8")
    assert r"\sum_k \frac{n_k}{N}\, g_k" in q8 and "2024" in q8
    q9 = BY_ID["q9_preferences"].text_path.read_text(encoding="utf-8")
    assert "Ouyang et al., 2022" in q9 and "Rafailov et al., 2023" in q9
    assert "logaddexp" in q9
