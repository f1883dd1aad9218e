"""``python -m autograder build``: the student release, the executed solutions, no leaks."""
import importlib.util
import json
import zipfile

import nbformat
from autograder.build import leaks
from autograder.build.execute import errors, execute_notebook
from autograder.build.release import build
from autograder.cli import main
from autograder.questions import BY_ID, QUESTIONS


def _outputs_text(cell):
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"])
        texts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(texts)


def _check_cells(nb):
    return {cell.source.split('"')[1]: cell for cell in nb.cells
            if cell.cell_type == "code" and cell.source.startswith("grader.check(")}


def test_student_release_has_what_students_need(dist):
    student = dist / "student"
    assert (student / "lecture16.ipynb").is_file()
    assert (student / "lm_training.py").is_file()
    assert (student / "corpus.txt").stat().st_size > 10_000
    assert sorted(p.stem for p in (student / "tests").glob("*.py")) == sorted(q.id for q in QUESTIONS)


def test_student_release_leaks_no_reference_or_hidden_test(dist):
    assert leaks.find_leaks(dist / "student") == []
    secrets = leaks.secret_lines()
    assert len(secrets) > 50  # the check has something to look for
    # ... and it does find them: the solutions hold the reference.
    assert any("reference" in p for p in leaks.find_leaks(dist / "solutions"))


def test_solutions_notebook_ran_with_every_check_passing_and_plots(dist):
    nb = nbformat.read(str(dist / "solutions" / "lecture16.ipynb"), as_version=4)
    assert errors(dist / "solutions" / "lecture16.ipynb") == []
    checks = _check_cells(nb)
    assert sorted(checks) == sorted(q.id for q in QUESTIONS)
    for qid, cell in checks.items():
        text = _outputs_text(cell)
        assert "passed" in text.lower() and "failed" not in text.lower(), (qid, text)
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the 'Put it together' plots should be in the executed solutions"


def test_untouched_student_notebook_runs_to_the_end_with_every_check_failing(dist, tmp_path):
    import shutil

    work = tmp_path / "student"
    shutil.copytree(dist / "student", work)
    execute_notebook(work / "lecture16.ipynb", allow_errors=True)
    nb = nbformat.read(str(work / "lecture16.ipynb"), as_version=4)
    checks = _check_cells(nb)
    has_torch = importlib.util.find_spec("torch") is not None
    for qid, cell in checks.items():
        text = _outputs_text(cell)
        if BY_ID[qid].track == "torch" and not has_torch:
            assert "PyTorch is not installed" in text, (qid, text)
        else:
            assert "NotImplementedError" in text or "not implemented" in text.lower(), (qid, text)
        assert "failed" in text.lower(), (qid, text)
    failing = {i for i, _ in errors(work / "lecture16.ipynb")}
    for i in failing:  # only the training section may raise (it calls the stubs)
        assert "skip-grading" in nb.cells[i].metadata.get("tags", []), nb.cells[i].source[:200]
    assert nb.cells[-1].source.startswith("grader.export")


def test_autograder_zip_has_gradescope_layout_and_no_build_code(dist):
    with zipfile.ZipFile(dist / "autograder.zip") as zf:
        names = set(zf.namelist())
        assert {"setup.sh", "run_autograder", "requirements.txt", "otter_config.json"} <= names
        assert "autograder/engine/api.py" in names and "reference/__init__.py" in names
        assert not any(n.startswith("autograder/build/") for n in names)
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        json.loads(zf.read("otter_config.json"))


def test_build_is_reproducible(dist, tmp_path):
    assert main(["build", "--out", str(tmp_path), "--no-execute"]) == 0
    for rel in ("student/lecture16.ipynb", "student/lm_training.py", "autograder.zip"):
        assert (tmp_path / rel).read_bytes() == (dist / rel).read_bytes(), rel
