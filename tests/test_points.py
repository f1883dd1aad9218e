"""Points live in each question folder's question.py; every place that shows or uses them agrees.

The contract's table (docs/assignment-api.md, what students are promised) is checked once here;
the rest is checked against questions.py, so that an instructor who changes a question's points
there sees what else to update (the hand-written tables) or gets it for free (everything
generated). Nothing here copies a number of the current assignment.
"""
import csv
import json
import math
import re
from pathlib import Path

import pytest

from autograder.batchgrade import write_csv
from autograder.build.classroom import readme_text, workflow_text
from autograder.build.public_tests import otter_test_texts
from autograder.hidden import hidden_tests
from autograder.questions import NUMPY_QUESTIONS

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "assignment-api.md"


def table_rows(text: str, first_column: str) -> list[list[str]]:
    """The rows of the Markdown table whose header starts with ``first_column``."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(f"| {first_column} |")]
    assert starts, f"expected a Markdown table whose header starts with '| {first_column} |'"
    start = starts[0]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_questions_and_points_are_the_contracts():
    text = CONTRACT.read_text(encoding="utf-8")
    promised = {row[0].strip("`"): float(row[-1]) for row in table_rows(text, "id")}
    folders = {q.id: float(q.points) for q in NUMPY_QUESTIONS}
    assert folders == promised, (f"expected the numpy questions' POINTS to be the table of "
                                 f"{CONTRACT.name}, got folders={folders}, table={promised}; "
                                 f"change the one that is wrong")
    total = re.search(r"## Questions, ids and points \(numpy track, ([\d.]+) points\)", text)
    assert total, f"expected the heading '## Questions, ids and points (numpy track, N points)' " \
                  f"in {CONTRACT}"
    assert sum(folders.values()) == pytest.approx(float(total.group(1))), total.group(0)


@pytest.mark.assignment
def test_the_notebook_intro_table_follows_questions_py():
    from autograder.build.texts import intro_text, minutes

    rows = table_rows(intro_text(), "Question")
    expected = [[f"{n}. {q.title}", ", ".join(f"`{f}`" for f in q.functions), f"{q.points:g}",
                 minutes(q.minutes)] for n, q in enumerate(NUMPY_QUESTIONS, start=1)]
    assert rows == expected


def test_the_readme_table_follows_questions_py():
    rows = table_rows((ROOT / "README.md").read_text(encoding="utf-8"), "question")
    expected = [[f"`{q.id}`", ", ".join(f"`{f}`" for f in q.functions), f"{q.points:g}"]
                for q in NUMPY_QUESTIONS]
    assert rows == expected


@pytest.mark.assignment
@pytest.mark.parametrize("number,question", list(enumerate(NUMPY_QUESTIONS, start=1)),
                         ids=[q.id for q in NUMPY_QUESTIONS])
def test_each_question_heading_shows_its_points(number, question):
    from autograder.build.texts import question_text

    first = question_text(question).splitlines()[0]
    assert first == (f"## Question {number}: {question.title} (`{question.id}`, "
                     f"{question.points:g} points)")


@pytest.mark.assignment
def test_hidden_tests_add_up_to_each_questions_points():
    tests = hidden_tests(examples_per_test=1)
    for q in NUMPY_QUESTIONS:
        mine = [t for t in tests if t.question == q.id]
        assert mine and all(t.name.startswith(q.id + " ") and t.points > 0 for t in mine)
        assert math.isclose(sum(t.points for t in mine), q.points, abs_tol=1e-9), q.id


@pytest.mark.assignment
def test_classroom_workflow_and_readme_give_every_question_its_points():
    # one workflow step per question runs run_checks.py, which reports the points of that
    # question's public test file (partial credit per check)
    workflow = workflow_text()
    public = otter_test_texts()
    for q in NUMPY_QUESTIONS:
        assert f"run: python run_checks.py --classroom {q.id}\n" in workflow
        assert f"\npoints = {q.points:g}\n" in public[f"{q.id}.py"]
    readme = readme_text()
    for q in NUMPY_QUESTIONS:
        assert f"| `{q.id}`: {q.title} |" in readme and readme.count(f"`{q.id}`") >= 1


@pytest.mark.assignment
def test_the_batch_csv_has_a_column_per_question(tmp_path):
    path = write_csv([], tmp_path / "grades.csv")
    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header[:3 + len(NUMPY_QUESTIONS)] == ["submission", "total", "max_total",
                                                   *(q.id for q in NUMPY_QUESTIONS)]


@pytest.mark.assignment
def test_the_results_schema_accepts_every_question_id():
    schema = json.loads((ROOT / "tests" / "gradescope_results.schema.json").read_text("utf-8"))
    pattern = schema["properties"]["tests"]["items"]["properties"]["name"]["pattern"]
    for q in NUMPY_QUESTIONS:
        assert re.match(pattern, f"{q.id} some test"), q.id


# ----------------------------------------------------------------------------- exact sums
POINT_SETTINGS = (None, 7, 1, 13, 2.5, 0.3, 100)
"""each question's own POINTS (None), then the same points for every question"""


@pytest.mark.assignment
@pytest.mark.parametrize("points", POINT_SETTINGS)
def test_every_questions_tests_add_up_to_its_points_exactly(points, monkeypatch):
    import dataclasses

    import autograder.hidden as hidden
    from autograder.engine.results import POINT_DIGITS, add_points

    if points is not None:
        monkeypatch.setattr(hidden, "BY_ID", {qid: dataclasses.replace(q, points=points)
                                              for qid, q in hidden.BY_ID.items()})
    tests = hidden_tests(examples_per_test=1)
    for q in NUMPY_QUESTIONS:
        possible = hidden.BY_ID[q.id].points
        mine = [t.points for t in tests if t.question == q.id]
        # exact at POINT_DIGITS decimals (split_points' promise): 0.2 + 0.1 of a 0.3-point
        # question is 0.30000000000000004 as floats, and 0.3 written with 6 decimals
        assert add_points(mine) == possible, (q.id, possible, mine)
        assert all(round(p, POINT_DIGITS) == p for p in mine)  # written as they are
    numpy = {q.id for q in NUMPY_QUESTIONS}  # (the extra credit's tests carry weights here)
    assert add_points(t.points for t in tests if t.question in numpy) == sum(
        hidden.BY_ID[q.id].points for q in NUMPY_QUESTIONS)


@pytest.mark.parametrize("extra", [0, 1, 10, 7.7])
def test_torch_track_extra_credit_adds_up_exactly(extra):
    import dataclasses

    from autograder.assignment import current
    from autograder.engine.config import load_config
    from autograder.engine.results import add_points
    from autograder.engine.runner import hidden_tests as graded_tests

    config = dataclasses.replace(load_config(), torch_track=True, torch_track_points=extra,
                                 examples_per_test=1)
    torch = [t.points for t in graded_tests(config, current()) if t.question.startswith("t")]
    assert torch and math.fsum(torch) == extra and add_points(torch) == extra


def test_split_points_is_exact_and_follows_the_weights():
    from autograder.engine.results import split_points

    assert split_points(20, [1, 1, 1]) == [6.666667, 6.666667, 6.666666]
    assert split_points(2, [1, 1, 1]) == [0.666667, 0.666667, 0.666666]
    assert split_points(1, [2, 1]) == [0.666667, 0.333333]
    assert split_points(5, [0, 1]) == [0.0, 5.0]
    with pytest.raises(ValueError, match="weights"):
        split_points(1, [0, 0])


@pytest.mark.assignment
def test_a_perfect_submission_earns_max_total_exactly_in_every_output(tmp_path):
    import dataclasses

    from autograder.assignment import grade
    from autograder.batchgrade import Graded, _read_results
    from autograder.build.release import solutions_module
    from autograder.engine.config import load_config
    from autograder.engine.results import write_results
    from autograder.report import score_table

    path = tmp_path / "lm_training.py"
    path.write_text(solutions_module(), encoding="utf-8")
    result = grade(path, dataclasses.replace(load_config(), examples_per_test=5))
    full = sum(q.points for q in NUMPY_QUESTIONS)
    assert result.score == result.max_score == full
    assert all(result.by_question()[q.id] == (q.points, q.points) for q in NUMPY_QUESTIONS)
    data = json.loads(write_results(result, tmp_path / "results.json").read_text("utf-8"))
    assert data["score"] == full and math.fsum(t["max_score"] for t in data["tests"]) == full
    record = Graded(submission="lm_training.py", entry=path)
    _read_results(record, data)  # what the CSV, the gradebook and the class report read
    assert record.total == record.max_total == full
    assert all(record.by_question[q.id] == q.points for q in NUMPY_QUESTIONS)
    row = write_csv([record], tmp_path / "grades.csv").read_text("utf-8").splitlines()[1]
    assert row.startswith(f"lm_training.py,{full:g},{full:g},") or \
        row.startswith(f"lm_training.py,{float(full)},{float(full)},")
    assert f"{full:g} / {full:g} points" in score_table(result)
