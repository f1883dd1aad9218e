"""Every path gives the same, right grade (issue 11): realistic forms of one correct solution
score full marks through ``grade FILE`` and ``grade DIR`` (every form), Gradescope's
``run_autograder`` and the Classroom ``run_checks.py`` (every kind of file, and every edit at
once: ``PATH_FORMS``); a symlinked repository and banned torch built-ins gain nothing."""
import base64
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from checkout import FAST, run_checked

from autograder.batchgrade import grade_entries
from autograder.build.gradescope import write_autograder_zip
from autograder.build.release import solutions_module
from autograder.assignment import grade
from autograder.questions import BY_ID, NUMPY_QUESTIONS
from autograder.verify.catalog.torch_cheats import CHEATS
from autograder.verify.entries import replace_function

sys.path.insert(0, str(Path(__file__).parent))
from forms import FORMS, solutions  # noqa: E402

FULL = sum(q.points for q in NUMPY_QUESTIONS)
# The forms that differ in what the file is (a plain notebook, a .py, a zip, a renamed notebook,
# a Colab download without cell tags) and every edit at once: what run_checks.py and Gradescope's
# run_autograder are run on. Every form goes through grade FILE and grade DIR; the reading of
# cells is one module (pysource.py, vendored into the Classroom repository as generated copy,
# tests/test_classroom.py), so the other forms would only run it again.
PATH_FORMS = ("notebook", "py crlf bom", "renamed notebook", "otter zip", "colab saved",
              "all at once")
BUGGY_MASK = ("np.tril(np.ones((T, T), dtype=bool))", "np.ones((T, T), dtype=bool)")


def _failed(result) -> list:
    return [(t.name, t.output[:300]) for t in result.tests if not t.passed]


# ----------------------------------------------------------------------------- grade FILE
@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_form_scores_full_marks_with_grade_file(form, tmp_path):
    result = grade(FORMS[form](tmp_path), FAST)
    assert result.score == pytest.approx(FULL), (_failed(result), result.messages)


def test_a_failing_import_costs_only_what_uses_it_and_is_named(tmp_path):
    nb = solutions()
    i = next(i for i, c in enumerate(nb.cells) if "def perplexity(" in c.source)
    nb.cells[i].source = "import seaborn as sns\n\n" + nb.cells[i].source.replace(
        "def perplexity(logits, targets, ignore_index=None):\n",
        "def perplexity(logits, targets, ignore_index=None):\n    sns.set()\n", 1)
    nb.cells.insert(i, nbformat.v4.new_code_cell("from scipy.special import logsumexp as helper"))
    path = tmp_path / "lecture16.ipynb"
    nbformat.write(nb, str(path))
    result = grade(path, FAST)
    by_q = result.by_question()
    assert by_q["q4_perplexity"][0] < by_q["q4_perplexity"][1]
    assert all(by_q[q.id][0] == q.points for q in NUMPY_QUESTIONS if q.id != "q4_perplexity")
    outputs = "\n".join(t.output for t in result.tests if not t.passed)
    assert "seaborn" in outputs and "numpy only" in outputs
    assert f"cell {i + 2}, line 1 (`import seaborn as sns`)" in outputs  # the statement named
    assert "scipy" in "\n".join(result.messages)


def test_a_function_never_defined_names_the_statement_that_failed(tmp_path):
    nb = solutions()
    i = next(i for i, c in enumerate(nb.cells) if "def causal_mask(" in c.source)
    nb.cells[i].source = "if undefined_flag:\n" + "\n".join(
        "    " + line for line in nb.cells[i].source.splitlines())
    path = tmp_path / "lecture16.ipynb"
    nbformat.write(nb, str(path))
    result = grade(path, FAST)
    mask_tests = [t for t in result.tests if t.question == "q2_causal_mask" and t.max_score > 0
                  and not t.passed]
    assert mask_tests and all(f"cell {i + 1}, line 1 (`if undefined_flag:`)" in t.output
                              and "NameError" in t.output for t in mask_tests)


def test_a_name_that_nothing_defines_is_said_so(tmp_path):
    nb = solutions()
    i = next(i for i, c in enumerate(nb.cells) if c.source.startswith("# Run this cell next"))
    del nb.cells[i]  # the cell importing numpy, run once in Jupyter and then deleted
    path = tmp_path / "lecture16.ipynb"
    nbformat.write(nb, str(path))
    failed = [t for t in grade(path, FAST).tests if t.max_score > 0 and not t.passed]
    why = "**Why:** no statement of the graded file defines np"
    assert any("'np'" in t.output for t in failed)
    assert all(t.output.startswith(why) for t in failed if "'np'" in t.output)


def test_too_large_a_submission_gets_a_valid_zero_saying_so(tmp_path):
    path = tmp_path / "lm_training.py"
    path.write_text("\n".join(f"x{i} = {i}" for i in range(20_000)))  # 20,000 statements
    result = grade(path, FAST)
    assert result.score == 0 and "more than 5000 top-level statements" in "\n".join(result.messages)


def test_a_deeply_nested_notebook_is_an_unreadable_notebook_not_a_grader_failure(tmp_path):
    path = tmp_path / "lecture16.ipynb"
    path.write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = grade(path, FAST)
    assert result.score == 0 and "not a readable Jupyter notebook" in "\n".join(result.messages)
    assert not any("autograder failed" in m for m in result.messages)


def test_an_unsafe_zip_is_read_without_its_links_and_dot_dot_paths(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../evil.py", "def chunk_tokens(d, b, eos_id=None):\n    return 1\n")
        link = zipfile.ZipInfo("lm_training.py")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("lecture16.ipynb", nbformat.writes(solutions()))
    result = grade(path, FAST)
    assert result.score == pytest.approx(FULL)
    assert "evil" in "\n".join(result.messages) and not (tmp_path.parent / "evil.py").exists()


# ----------------------------------------------------------------------------- repositories
def _repo(root: Path, name: str, classroom: Path, files: dict) -> Path:
    repo = root / name
    shutil.copytree(classroom, repo)
    (repo / ".git").mkdir()
    for rel, data in files.items():
        (repo / rel).write_bytes(data if isinstance(data, bytes) else data.encode())
    return repo


def _half_notebook() -> str:
    """The template notebook with the first question done: worth its points."""
    from autograder.build.notebook import build_notebook

    nb, done = build_notebook(solutions=False), solutions()
    for name in NUMPY_QUESTIONS[0].functions:
        i = next(i for i, c in enumerate(nb.cells) if f"def {name}(" in c.source)
        nb.cells[i].source = next(c.source for c in done.cells if f"def {name}(" in c.source)
    return nbformat.writes(nb)


@pytest.fixture(scope="module")
def repos(dist, tmp_path_factory):
    """Classroom repositories: work in the notebook, in lm_training.py, in both, and a link."""
    root = tmp_path_factory.mktemp("repos")
    classroom, py = dist / "classroom", solutions_module()
    made = {
        "notebook-only": _repo(root, "notebook-only", classroom,
                               {"lecture16.ipynb": nbformat.writes(solutions())}),
        "py-only": _repo(root, "py-only", classroom, {"lm_training.py": py}),
        "py-and-half-notebook": _repo(root, "py-and-half-notebook", classroom,
                                      {"lm_training.py": py, "lecture16.ipynb": _half_notebook()}),
        "both-finished": _repo(root, "both-finished", classroom,
                               {"lm_training.py": py,
                                "lecture16.ipynb": nbformat.writes(solutions())}),
    }
    link = _repo(root, "symlinked", classroom, {})
    (link / "lm_training.py").unlink()
    os.symlink(dist / "solutions" / "lm_training.py", link / "lm_training.py")
    made["symlinked"] = link
    return made


EXPECTED = {"notebook-only": FULL, "py-only": FULL, "py-and-half-notebook": FULL,
            "both-finished": FULL, "symlinked": 0}


def test_grade_file_rule_on_repositories(repos):
    for name, repo in repos.items():
        result = grade(repo, FAST)
        assert result.score == pytest.approx(EXPECTED[name]), (name, result.messages)
    mixed = grade(repos["py-and-half-notebook"], FAST)
    assert mixed.graded_file == "lm_training.py"
    assert mixed.other_files == ["lecture16.ipynb"] and not mixed.as_template
    said = "\n".join(mixed.messages)
    assert "Your work is in 2 files" in said, said
    assert f"`lecture16.ipynb` ({NUMPY_QUESTIONS[0].points:g}/" in said, said
    linked = grade(repos["symlinked"], FAST)
    assert linked.as_template
    said = "\n".join(linked.messages)
    assert "symbolic link" in said and "untouched template" in said


@pytest.mark.slow
def test_every_form_scores_full_marks_with_grade_dir(tmp_path):
    """grade DIR at the configured budget: slow (several minutes), out of the default run."""
    folder = tmp_path / "class"
    for i, form in enumerate(sorted(FORMS)):
        (folder / f"s{i:02d}").mkdir(parents=True)
        FORMS[form](folder / f"s{i:02d}")
    records = grade_entries(sorted(folder.iterdir()), tmp_path / "rd")
    assert {r.submission: r.total for r in records} == {
        f"s{i:02d}": pytest.approx(FULL) for i in range(len(FORMS))}


def test_grade_dir_grades_each_entry_as_a_whole(repos, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("py-and-half-notebook", "symlinked"):
        shutil.copytree(repos[name], folder / name, symlinks=True)
    FORMS["otter zip"](folder)
    (folder / "alias.py").symlink_to(repos["py-only"] / "lm_training.py")
    records = {r.submission: r for r in grade_entries(sorted(folder.iterdir()), tmp_path / "rd")}
    assert records["py-and-half-notebook"].total == pytest.approx(FULL)
    assert records["py-and-half-notebook"].file == "lm_training.py"
    assert "2 files" in records["py-and-half-notebook"].note
    assert records["symlinked"].total == 0
    assert records["alias.py"].total == 0 and "symbolic link" in records["alias.py"].note
    (zipped,) = [r for name, r in records.items() if name.endswith(".zip")]
    assert zipped.total == pytest.approx(FULL)


# ----------------------------------------------------------------------------- run_checks.py
def _run_checks(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GITHUB_OUTPUT": str(repo / ".gh-output")}
    return subprocess.run([sys.executable, "run_checks.py", *args], cwd=repo, capture_output=True,
                          text=True, timeout=300, env=env)


@pytest.mark.parametrize("form", PATH_FORMS)
def test_every_form_scores_full_marks_with_run_checks(form, dist, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(dist / "classroom", repo)  # the untouched notebook and .py, then the form
    FORMS[form](repo)
    done = _run_checks(repo)
    assert done.returncode == 0 and f"total {FULL:g} / {FULL:g}" in " ".join(
        done.stdout.split()), (done.stdout[-3000:], done.stderr[-2000:])
    assert "WARNING" not in done.stdout


def test_run_checks_agrees_with_the_graders_rule_and_warns_about_two_files(repos):
    for name, repo in repos.items():
        done = _run_checks(repo)
        total = f"{EXPECTED[name]:g} / {FULL:g}"
        assert "total" in done.stdout and total in done.stdout, (name, done.stdout, done.stderr)
        assert "PUBLIC checks only" in done.stdout and "HIDDEN tests" in done.stdout
        if name in ("py-and-half-notebook", "both-finished"):
            assert "WARNING: YOUR WORK IS IN 2 FILES" in done.stdout
        else:
            assert "WARNING" not in done.stdout
    assert _run_checks(repos["py-and-half-notebook"]).stdout.startswith("lm_training.py")


def test_classroom_result_gives_partial_credit_per_check_like_the_graders_public_checks(
        repos, tmp_path):
    repo = tmp_path / "buggy"
    shutil.copytree(repos["py-only"], repo)
    py = repo / "lm_training.py"
    py.write_text(py.read_text().replace(*BUGGY_MASK))
    done = _run_checks(repo, "--classroom", "q2_causal_mask")
    assert done.returncode == 0, done.stderr
    line = (repo / ".gh-output").read_text().strip().splitlines()[-1]
    result = json.loads(base64.b64decode(line.split("=", 1)[1]))
    scores = [t["score"] for t in result["tests"]]
    points = BY_ID["q2_causal_mask"].points
    assert result["max_score"] == pytest.approx(points) and 0 < sum(scores) < points  # partial
    failing = {t["name"] for t in result["tests"] if t["status"] == "fail"}
    graded = grade(py, FAST)
    (public,) = [t for t in graded.tests if t.name == "q2_causal_mask public checks"]
    assert public.output.count("- **") == len(failing) > 0  # the same checks fail in the grader


# ----------------------------------------------------------------------------- Gradescope
@pytest.fixture(scope="module")
def gradescope(tmp_path_factory):
    """The Gradescope zip unpacked into a temporary /autograder after setup.sh, with a small
    example budget (a correct solution scores full marks at any budget)."""
    if os.geteuid() != 0:
        pytest.skip("setup.sh creates a user and needs root")
    root = tmp_path_factory.mktemp("gradescope") / "ag"
    zipped = write_autograder_zip(root.parent / "autograder.zip")
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(root / "source")
    config = json.loads((root / "source" / "otter_config.json").read_text())
    config["autograder"]["examples_per_test"] = 5
    (root / "source" / "otter_config.json").write_text(json.dumps(config))
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
    run_checked(["bash", str(root / "source" / "setup.sh")], env=env, timeout=600)

    def run(write) -> dict:
        submission = root / "submission"
        shutil.rmtree(submission, ignore_errors=True)
        submission.mkdir()
        write(submission)
        done = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads((root / "results" / "results.json").read_text())

    return run


@pytest.mark.parametrize("form", PATH_FORMS)
def test_every_form_scores_full_marks_with_run_autograder(form, gradescope):
    results = gradescope(FORMS[form])
    assert results["score"] == pytest.approx(FULL), results["output"][:2000]


def test_run_autograder_applies_the_file_rule_and_follows_no_link(gradescope, repos):
    def both(folder):
        (folder / "lecture16.ipynb").write_text(_half_notebook())
        FORMS["py crlf bom"](folder)

    results = gradescope(both)
    assert results["score"] == pytest.approx(FULL)
    assert "Your work is in 2 files" in results["output"]
    assert results["extra_data"]["graded_file"] == "lm_training.py"
    results = gradescope(lambda d: (d / "lm_training.py").symlink_to(
        repos["py-only"] / "lm_training.py"))
    assert results["score"] == 0 and "symbolic link" in results["output"]


# ----------------------------------------------------------------------------- the torch ban
def _rounds(cheats) -> list[tuple]:
    """The cheats in as few submissions as hold at most one cheat per function (a torch worker
    costs seconds to start: seven gradings would be four times as long)."""
    rounds: list[list] = []
    for cheat in cheats:
        free = next((r for r in rounds if all(c.function != cheat.function for c in r)), None)
        if free is None:
            rounds.append(free := [])
        free.append(cheat)
    return [tuple(r) for r in rounds]


ROUNDS = _rounds(CHEATS)


@pytest.mark.parametrize("cheats", ROUNDS, ids=["+".join(c.name for c in r) for r in ROUNDS])
def test_banned_torch_builtins_gain_nothing(cheats, tmp_path):
    pytest.importorskip("torch")
    config = dataclasses.replace(FAST, examples_per_test=3, torch_track=True,
                                 torch_track_points=30)
    path = tmp_path / "lm_training.py"
    source = solutions_module()
    for cheat in cheats:
        source = replace_function(source, cheat.source)
    path.write_text(source)
    result = grade(path, config)
    lost = 0.0
    for cheat in cheats:
        mine = [t for t in result.tests if t.max_score > 0 and cheat.function in t.name]
        assert mine and all(t.score == 0 for t in mine), (cheat.name, _failed(result))
        assert all(cheat.builtin in t.output and "does not allow" in t.output for t in mine), (
            cheat.name, [t.output[:300] for t in mine])
        lost += sum(t.max_score for t in mine)
    assert result.score == pytest.approx(FULL + 30 - lost), _failed(result)
