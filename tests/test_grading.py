"""Grading whole submissions through the engine: the reference, the template, broken input,
determinism, results.json against Gradescope's format, and the command line."""
import csv
import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pytest
from checkout import FAST

from autograder.build.release import solutions_module
from autograder.build.template import template_text, write_template
from autograder.cli import main
from autograder.engine.results import to_gradescope, write_results
from autograder.assignment import grade
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS

SCHEMA = json.loads((Path(__file__).parent / "gradescope_results.schema.json").read_text())
FULL = sum(q.points for q in NUMPY_QUESTIONS)


def validate(data: dict) -> None:
    jsonschema.validate(data, SCHEMA)


@pytest.fixture(scope="module")
def reference_py(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ref") / "lm_training.py"
    path.write_text(solutions_module(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_result(reference_py):
    return grade(reference_py)


def test_the_reference_gets_full_marks_and_valid_results(reference_result):
    data = to_gradescope(reference_result)
    validate(data)
    assert data["score"] == pytest.approx(FULL)
    assert all(t["status"] == "passed" for t in data["tests"]), [
        (t["name"], t["output"][:300]) for t in data["tests"] if t["status"] != "passed"]
    by_q = reference_result.by_question()
    assert {q: p for q, (_, p) in by_q.items()} == {  # Going further: 0 points by default
        **{q.id: q.points for q in NUMPY_QUESTIONS}, **{q.id: 0 for q in FURTHER_QUESTIONS}}


def test_visibility_comes_from_the_config(reference_result):
    public = [t for t in reference_result.tests if t.name.endswith(" public checks")]
    summary = [t for t in reference_result.tests if t.name.endswith(" hidden tests in short")]
    hidden = [t for t in reference_result.tests if t.max_score > 0]
    assert len(public) == len(NUMPY_QUESTIONS + FURTHER_QUESTIONS)
    assert all(t.max_score == 0 for t in public)
    assert {t.visibility for t in public} == {"visible"}
    assert {t.visibility for t in hidden} == {"after_due_date"}
    # before the due date: per question, how many hidden tests failed and what they check
    assert [t.question for t in summary] == [q.id for q in NUMPY_QUESTIONS]
    assert all(t.visibility == "visible" and t.max_score == 0 for t in summary)
    assert all(t.output.startswith("**0 of ") for t in summary)
    assert reference_result.messages[0].startswith("**Shown from the start:**")


def test_the_template_gets_zero_with_messages_naming_the_function(tmp_path):
    result = grade(write_template(tmp_path))
    validate(to_gradescope(result))
    assert result.score == 0
    failed = [t for t in result.tests if t.max_score > 0]
    assert failed and not any(t.passed for t in failed)
    assert {t.status for t in failed} == {"not_implemented"}
    # said once per function: the first test of each function in full, the others in one line
    functions = [f for q in NUMPY_QUESTIONS for f in q.functions]
    full = [t for t in failed if not t.output.startswith("Not run:")]
    assert len(full) <= len(functions)
    assert all(len(t.output) < 300 for t in failed), [t.output for t in failed][:2]


def test_regrading_gives_byte_identical_results(reference_py, tmp_path):
    buggy = tmp_path / "buggy.py"
    source = reference_py.read_text()
    assert "np.tril(np.ones((T, T), dtype=bool))" in source
    buggy.write_text(source.replace("np.tril(np.ones((T, T), dtype=bool))",
                                    "np.tril(np.ones((T, T), dtype=bool), k=-1)"))  # no diagonal
    outputs = []
    for _ in range(2):
        data = to_gradescope(grade(buggy))
        data.pop("execution_time")
        outputs.append(json.dumps(data, sort_keys=True))
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["score"] < FULL


@pytest.mark.parametrize("name,data,match", [
    ("broken.py", b"def chunk_tokens(docs:\n", "syntax error at line 1"),
    ("corrupt.ipynb", b"{\"cells\": [", "not a readable Jupyter notebook"),
    ("empty.py", b"", "empty"),
])
def test_unreadable_submissions_get_zero_and_a_visible_reason(tmp_path, name, data, match):
    path = tmp_path / name
    path.write_bytes(data)
    result = grade(path)
    data = to_gradescope(result)
    validate(data)
    assert data["score"] == 0 and match in data["output"]
    assert all(t["status"] == "failed" for t in data["tests"])


def test_a_zip_without_a_notebook_is_reported(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("notes.txt", "hello")
    data = to_gradescope(grade(path))
    validate(data)
    assert data["score"] == 0 and "no notebook" in data["output"]


def test_a_zip_export_is_graded_like_its_notebook(reference_py, tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lm_training.py", reference_py.read_text())
        zf.writestr(".ipynb_checkpoints/old-checkpoint.py", "x = 1")
    assert grade(path, FAST).score == pytest.approx(FULL)


def test_a_crashing_function_costs_only_its_question(reference_py, tmp_path):
    path = tmp_path / "crash.py"
    path.write_text(reference_py.read_text() + "\n\nimport os\n\ndef causal_mask(T):\n"
                    "    os._exit(1)\n")
    result = grade(path, FAST)
    by_q = result.by_question()
    assert by_q["q2_causal_mask"][0] < by_q["q2_causal_mask"][1]
    for qid in ("q1_chunking", "q3_cross_entropy", "q4_perplexity", "q5_optimization"):
        assert by_q[qid][0] == by_q[qid][1], qid


def test_a_hanging_function_costs_only_its_question(reference_py, tmp_path):
    path = tmp_path / "hang.py"
    path.write_text(reference_py.read_text() + "\n\ndef corpus_perplexity(losses, counts):\n"
                    "    while True:\n        pass\n")
    result = grade(path, FAST)
    by_q = result.by_question()
    assert by_q["q4_perplexity"][0] < by_q["q4_perplexity"][1]
    assert by_q["q3_cross_entropy"][0] == by_q["q3_cross_entropy"][1]
    slow = [t for t in result.tests if "did not return within" in t.output]
    assert len(slow) == 1, "only the first call waits for the time limit"


def test_results_are_written_atomically_and_validate(reference_result, tmp_path):
    path = write_results(reference_result, tmp_path / "results" / "results.json")
    validate(json.loads(path.read_text()))
    assert [p.name for p in path.parent.iterdir()] == ["results.json"]


def test_cli_grade_one_prints_the_table_and_exits_zero(reference_py, tmp_path, capsys):
    assert main(["grade", str(reference_py), "--results", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    assert "q3_cross_entropy" in out and f"{FULL:g} / {FULL:g}" in out
    validate(json.loads((tmp_path / "r.json").read_text()))


def test_cli_grade_missing_path_is_one_line_and_nonzero(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nope.py"), "--results", str(tmp_path / "r.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_batch_writes_one_row_per_submission(reference_py, tmp_path, capsys):
    folder = tmp_path / "subs"
    folder.mkdir()
    shutil.copy(reference_py, folder / "alice.py")
    (folder / "bob.py").write_text(template_text())
    (folder / "carol.ipynb").write_text("{oops")
    (folder / "dave").mkdir()
    shutil.copy(reference_py, folder / "dave" / "lm_training.py")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(folder), "--csv", str(out), "--jobs", "2",
                 "--results-dir", str(tmp_path / "rd")]) == 0
    rows = {r["submission"]: r for r in csv.DictReader(out.open())}
    assert list(csv.DictReader(out.open()).fieldnames)[:3 + len(NUMPY_QUESTIONS)] == [
        "submission", "total", "max_total", *(q.id for q in NUMPY_QUESTIONS)]
    assert float(rows["alice.py"]["total"]) == pytest.approx(FULL)
    assert float(rows["dave"]["total"]) == pytest.approx(FULL)
    assert float(rows["bob.py"]["total"]) == 0
    assert float(rows["carol.ipynb"]["total"]) == 0 and "notebook" in rows["carol.ipynb"]["note"]
    assert (tmp_path / "rd" / "alice.py.json").is_file()
    assert "4 submission(s)" in capsys.readouterr().out


PIPELINE_CASES = {
    # a wrong value on some inputs, a hang on some, a crash on some: failures mid-prefetch
    "wrong": "def log_softmax(logits):\n    m = logits.max()\n"
             "    return logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))\n",
    "hangs": "_ce = cross_entropy\n"
             "def cross_entropy(logits, targets, ignore_index=None, reduction='mean'):\n"
             "    if logits.shape[-1] == 3:\n        while True:\n            pass\n"
             "    return _ce(logits, targets, ignore_index, reduction)\n",
    "crashes": "import os\n_mask = causal_mask\n"
               "def causal_mask(T):\n    if T == 3:\n        os._exit(1)\n    return _mask(T)\n",
}


@pytest.mark.parametrize("bug", sorted(PIPELINE_CASES))
def test_prefetching_calls_changes_no_result(bug, reference_py, tmp_path, monkeypatch):
    """A hidden test sends its cases' first calls ahead (WorkerClient.prefetch): the results
    are those of one round trip per call, failures, time-outs and crashes included."""
    import dataclasses

    from autograder.engine.client import WorkerClient
    from autograder.engine.config import load_config

    config = dataclasses.replace(load_config(), examples_per_test=10, call_timeout_s=1.0)
    path = tmp_path / "bug.py"
    path.write_text(reference_py.read_text() + "\n\n" + PIPELINE_CASES[bug])
    pipelined = grade(path, config)
    monkeypatch.setattr(WorkerClient, "prefetch", lambda self, calls: None)
    one_by_one = grade(path, config)
    assert pipelined.score < FULL
    said = {"wrong": "**Checked:**", "hangs": "did not return within 1 s",
            "crashes": "stopped the process that runs your code"}[bug]
    assert any(said in t.output for t in pipelined.tests)
    assert [dataclasses.asdict(t) for t in pipelined.tests] == \
        [dataclasses.asdict(t) for t in one_by_one.tests]
