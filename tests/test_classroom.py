"""GitHub Classroom: the workflow's commands run on a copy of the template repository, and which
file of a cloned repository the batch grades."""
import base64
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from checkout import numpy_total
import yaml

from autograder.build.classroom import REPORTER
from autograder.questions import BY_ID, NUMPY_QUESTIONS
from autograder.submissions import find_submission


# ----------------------------------------------------------------------------- the workflow
def _workflow(dist) -> dict:
    workflow = dist / "classroom" / ".github" / "workflows" / "classroom.yml"
    return yaml.safe_load(workflow.read_text())


def _grader_steps(dist) -> list[dict]:
    steps = _workflow(dist)["jobs"]["run-autograding-tests"]["steps"]
    return [s for s in steps if s.get("id") in {q.id for q in NUMPY_QUESTIONS}]


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    argv = shlex.split(command)
    assert argv[0] == "python"
    env = {**os.environ, "GITHUB_OUTPUT": str(cwd / ".gh-output")}
    (cwd / ".gh-output").unlink(missing_ok=True)
    return subprocess.run([sys.executable, *argv[1:]], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def _step_result(cwd: Path) -> dict:
    line = (cwd / ".gh-output").read_text().strip().splitlines()[-1]
    assert line.startswith("result=")
    return json.loads(base64.b64decode(line[len("result="):]))


def test_workflow_has_one_step_per_question_and_reports_them(dist):
    workflow = _workflow(dist)
    assert workflow["on"] == ["push", "repository_dispatch"]
    steps = _grader_steps(dist)
    assert [s["id"] for s in steps] == [q.id for q in NUMPY_QUESTIONS]
    assert all(s["run"] == f"python run_checks.py --classroom {s['id']}" for s in steps)
    assert all("public checks" in s["name"] for s in steps)
    reporter = workflow["jobs"]["run-autograding-tests"]["steps"][-1]
    assert reporter["uses"] == REPORTER
    ids = [s["id"] for s in steps]
    assert reporter["with"]["runners"].split(",") == ids
    assert set(reporter["env"]) == {f"{i.upper()}_RESULTS" for i in ids}
    text = (dist / "classroom" / ".github" / "workflows" / "classroom.yml").read_text()
    assert "PUBLIC checks" in text and "hidden tests" in text


@pytest.fixture(scope="module")
def repo_copies(dist, tmp_path_factory):
    """Two copies of the template repository: one with the reference filled in, one untouched."""
    root = tmp_path_factory.mktemp("classroom")
    shutil.copytree(dist / "classroom", root / "reference")
    shutil.copy(dist / "solutions" / "lecture16.ipynb", root / "reference" / "lecture16.ipynb")
    shutil.copytree(dist / "classroom", root / "template")
    return root


def test_workflow_commands_give_the_reference_full_points(dist, repo_copies):
    for step in _grader_steps(dist):
        done = _run(step["run"], repo_copies / "reference")
        assert done.returncode == 0, done.stdout + done.stderr
        result = _step_result(repo_copies / "reference")
        points = BY_ID[step["id"]].points
        assert result["max_score"] == pytest.approx(points) and result["status"] == "pass"
        assert sum(t["score"] for t in result["tests"]) == pytest.approx(points)
        assert f"{points:g} / {points:g}" in done.stdout, done.stdout


def test_workflow_commands_give_the_template_zero_with_the_checks_messages(dist, repo_copies):
    for step in _grader_steps(dist):
        done = _run(step["run"], repo_copies / "template")
        assert done.returncode == 0  # the reporter, not the step, fails the run
        result = _step_result(repo_copies / "template")
        assert result["status"] == "fail" and sum(t["score"] for t in result["tests"]) == 0
        assert all("is not implemented yet" in t["message"] for t in result["tests"])
        assert f"0 / {BY_ID[step['id']].points:g}" in done.stdout


def test_runner_prints_points_per_question(repo_copies):
    done = _run("python run_checks.py", repo_copies / "reference")
    assert done.returncode == 0, done.stderr
    for q in NUMPY_QUESTIONS:
        assert any(line.split()[:4] == [q.id, f"{q.points:g}", "/", f"{q.points:g}"]
                   for line in done.stdout.splitlines()), (q.id, done.stdout)
    total = f"{numpy_total():g}"
    assert "total" in done.stdout and f"{total} / {total}" in done.stdout, done.stdout
    done = _run("python run_checks.py", repo_copies / "template")
    assert done.returncode == 1 and f"0 / {total}" in done.stdout, done.stdout


def test_runner_checks_the_file_that_holds_the_work(dist, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(dist / "classroom", repo)
    # the notebook stays untouched
    shutil.copy(dist / "solutions" / "lm_training.py", repo / "lm_training.py")
    done = _run("python run_checks.py --question q4_perplexity", repo)
    assert done.returncode == 0 and done.stdout.startswith("lm_training.py"), done.stdout


# ------------------------------------------------------------------------- finding the submission
def _template_notebook(dist) -> str:
    return (dist / "classroom" / "lecture16.ipynb").read_text()


def _worked_notebook(dist) -> str:
    return (dist / "solutions" / "lecture16.ipynb").read_text()


def _clone(root: Path, name: str, dist, files: dict[str, str]) -> Path:
    """A mock cloned repository: .git, the template repository's files, then ``files``."""
    repo = root / name
    shutil.copytree(dist / "classroom", repo)
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    return repo


def test_finder_grades_the_worked_notebook_and_ignores_checkpoints_git_and_tests(dist, tmp_path):
    repo = _clone(tmp_path, "a", dist, {
        "lecture16.ipynb": _worked_notebook(dist),
        ".ipynb_checkpoints/lecture16-checkpoint.ipynb": _worked_notebook(dist),
        ".git/stray.py": "def chunk_tokens(docs, block_size): pass\n",
        "tests/extra.py": "def chunk_tokens(docs, block_size): pass\n"})
    found = find_submission(repo)
    assert found.path == repo / "lecture16.ipynb" and found.candidates == ("lecture16.ipynb",)


def test_finder_prefers_the_py_the_student_worked_in(dist, tmp_path):
    solutions = (dist / "solutions" / "lm_training.py").read_text()
    repo = _clone(tmp_path, "b", dist, {"lm_training.py": solutions})
    assert find_submission(repo).path == repo / "lm_training.py"


def test_finder_grades_every_file_with_work_and_names_them(dist, tmp_path):
    repo = _clone(tmp_path, "c", dist, {"lecture16.ipynb": _worked_notebook(dist),
                                        "lecture16-Copy1.ipynb": _worked_notebook(dist),
                                        "Copy of lecture16.ipynb": _worked_notebook(dist)})
    found = find_submission(repo)
    assert found.path == repo / "lecture16.ipynb"  # among equals, the assignment's own name
    assert sorted(found.candidates) == ["Copy of lecture16.ipynb", "lecture16-Copy1.ipynb",
                                        "lecture16.ipynb"] and "3 files" in found.note
    repo = _clone(tmp_path, "d", dist, {"lecture16 (1).ipynb": _worked_notebook(dist)})
    assert find_submission(repo).path == repo / "lecture16 (1).ipynb"


def test_finder_says_why_nothing_can_be_graded(dist, tmp_path):
    untouched = find_submission(_clone(tmp_path, "f", dist, {}))
    assert untouched.path is not None and "untouched template" in untouched.note
    empty = tmp_path / "g"
    (empty / ".git").mkdir(parents=True)
    assert find_submission(empty).path is None and "is empty" in find_submission(empty).note
    notes = tmp_path / "h"
    notes.mkdir()
    (notes / "README.md").write_text("I did not do it\n")
    assert "no notebook" in find_submission(notes).note


def test_finder_redefined_stubs_are_work_and_helpers_are_not_submissions(dist, tmp_path):
    nb = nbformat.reads(_template_notebook(dist), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("def chunk_tokens(docs, block_size, eos_id=None):\n"
                                              "    return 42\n"))
    repo = _clone(tmp_path, "i", dist, {"lecture16.ipynb": nbformat.writes(nb),
                                        "plot_helpers.py": "import numpy as np\n"})
    assert find_submission(repo).path == repo / "lecture16.ipynb"
    zipped = tmp_path / "j"
    zipped.mkdir()
    (zipped / "lecture16_2025_01_01.zip").write_bytes(b"PK")
    assert "not a readable zip" in find_submission(zipped).note
    template = dist / "student" / "lm_training.py"
    assert find_submission(template).path == template  # a file is its own submission
    assert json.loads(_template_notebook(dist))["cells"]


def test_the_grading_rule_is_the_engines_own_generated_copy(dist):
    from autograder.paths import ROOT

    rule = dist / "classroom" / "grading_rule"
    for name in ("choose.py", "pysource.py"):
        text = (rule / name).read_text()
        assert text.startswith("# Generated by `python -m autograder build`")
        assert text.endswith((ROOT / "autograder" / "engine" / name).read_text())
    assert "FUNCTIONS = (" in (rule / "__init__.py").read_text()
