"""``python -m autograder build``: the student release, the executed solutions, no leaks."""
import importlib.util
import json
import zipfile

import jsonschema
import nbformat
from autograder.build import leaks
from autograder.build.execute import errors, execute_notebook
from autograder.build.template import template_text
from autograder.cli import main
from autograder.paths import ROOT
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
    assert (student / "lm_training.py").read_text(encoding="utf-8") == template_text()
    assert (student / "export_notebook.py").is_file()  # the export cell's helper
    assert (student / "corpus.txt").stat().st_size > 10_000
    assert (student / "instructions.txt").stat().st_size > 10_000
    public = sorted(p.stem for p in (student / "tests").glob("*.py"))
    assert public == sorted(q.id for q in QUESTIONS)


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
    left = sorted(p.name for p in (dist / "solutions").iterdir()
                  if p.suffix == ".zip" or p.name == ".OTTER_LOG")
    assert not left, f"expected the solutions release without what running it leaves, got {left}"


def test_solutions_figures_json_shows_what_the_section_teaches(dist):
    figures = json.loads((dist / "solutions" / "put_it_together.json").read_text())
    required = ["bigram.val_perplexity", "bigram.counting_optimum_perplexity",
                "attention.val_perplexity", "no_mask.train_perplexity",
                "no_mask.masked_val_perplexity", "seconds.bigram", "seconds.attention",
                "seconds.no_mask"]
    if "q6_finetuning" in BY_ID:  # the solutions notebook defines q6 once it is registered
        required += [f"finetune.{lr}.{key}" for lr in ("small_lr", "pretrain_lr")
                     for key in ("response_loss", "pretrain_val_perplexity_after")]
        required += ["finetune.pretrain_val_perplexity_before", "seconds.finetune"]
    if "q7_scaling" in BY_ID:
        required += ["scaling.a", "scaling.alpha", "scaling.predicted_loss",
                     "scaling.measured_loss", "seconds.scaling"]
    jsonschema.validate(figures, {"type": "object", "required": required,
                                  "additionalProperties": {"type": "number"}})
    assert figures["attention.val_perplexity"] < figures["bigram.counting_optimum_perplexity"]
    assert figures["no_mask.train_perplexity"] < 2 < 100 < figures["no_mask.masked_val_perplexity"]
    if "q6_finetuning" in BY_ID:
        assert (figures["finetune.small_lr.pretrain_val_perplexity_after"]
                < figures["finetune.pretrain_lr.pretrain_val_perplexity_after"])
    if "q7_scaling" in BY_ID:
        assert abs(figures["scaling.predicted_loss"] / figures["scaling.measured_loss"] - 1) < 0.1


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
    for i in failing:  # only the check cells fail; "Put it together" skips what is unfinished
        assert "skip-grading" not in nb.cells[i].metadata.get("tags", []), nb.cells[i].source[:200]
    section = "\n".join(_outputs_text(c) for c in nb.cells
                         if "skip-grading" in c.metadata.get("tags", []))
    assert "Skipped: finish question 1 first (chunk_tokens is not implemented yet)." in section
    assert "export(grader)" in nb.cells[-1].source


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
    for rel in ("student/lecture16.ipynb", "student/lm_training.py", "autograder.zip",
                "classroom/.github/workflows/classroom.yml", "classroom/README.md",
                "classroom/run_checks.py", "classroom/lecture16.ipynb"):
        assert (tmp_path / rel).read_bytes() == (dist / rel).read_bytes(), rel


# ----------------------------------------------------------------------------- the notebook alone
def _run_alone(notebook, tmp_path, *, training=True):
    """Copy just ``notebook`` into an empty folder and run it top to bottom in a fresh kernel;
    ``training=False``: without "Put it together" (the ungraded cells after the setup cell that
    opens the notebook), whose run the build's own execution of the notebook checks."""
    from autograder.engine.pysource import not_graded

    work = tmp_path / "alone"
    work.mkdir()
    nb = nbformat.read(str(notebook), as_version=4)
    if not training:  # the ungraded cells after the first graded one
        first = next(i for i, c in enumerate(nb.cells)
                     if c.cell_type == "code" and not not_graded(c))
        nb.cells = [c for i, c in enumerate(nb.cells)
                    if i < first or c.cell_type != "code" or not not_graded(c)]
    nbformat.write(nb, str(work / "lecture16.ipynb"))
    execute_notebook(work / "lecture16.ipynb", allow_errors=True)
    return work, nbformat.read(str(work / "lecture16.ipynb"), as_version=4)


def test_solutions_notebook_alone_passes_every_check(dist, tmp_path):
    work, nb = _run_alone(dist / "solutions" / "lecture16.ipynb", tmp_path, training=False)
    assert errors(work / "lecture16.ipynb") == []
    for qid, cell in _check_cells(nb).items():
        text = _outputs_text(cell)
        assert "passed" in text.lower() and "failed" not in text.lower(), (qid, text)
    assert sorted(p.name for p in (work / "tests").iterdir()) == sorted(
        p.name for p in (dist / "student" / "tests").iterdir())
    for name in ("corpus.txt", "instructions.txt"):  # regenerated by the first cell
        assert (work / name).read_bytes() == (dist / "student" / name).read_bytes(), name


def test_untouched_notebook_alone_fails_every_check_and_reaches_the_end(dist, tmp_path):
    work, nb = _run_alone(dist / "student" / "lecture16.ipynb", tmp_path)
    has_torch = importlib.util.find_spec("torch") is not None
    checks = _check_cells(nb)
    assert sorted(checks) == sorted(q.id for q in QUESTIONS)
    for qid, cell in checks.items():
        text = _outputs_text(cell)
        expected = ("PyTorch is not installed" if BY_ID[qid].track == "torch" and not has_torch
                    else "is not implemented yet")
        assert expected in text and "failed" in text.lower(), (qid, text)
    for i, _ in errors(work / "lecture16.ipynb"):
        assert "skip-grading" in nb.cells[i].metadata.get("tags", []), nb.cells[i].source[:200]
    assert "export(grader)" in nb.cells[-1].source
    assert nb.cells[-1].get("execution_count") is not None  # it ran: the end was reached


def test_first_cell_installs_otter_if_missing_and_carries_the_checks(dist):
    from IPython.core.inputtransformer2 import TransformerManager

    from autograder.build.bundle import find_bundles

    nb = nbformat.read(str(dist / "student" / "lecture16.ipynb"), as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "skip-grading" in first.metadata["tags"]  # the autograder never runs it
    assert "%pip install -q otter-grader==7.0.0" in first.source
    assert "otter-grader==7.0.0" in (ROOT / "requirements" / "dev.txt").read_text()
    compile(TransformerManager().transform_cell(first.source), "cell", "exec")  # valid IPython
    (bundle,) = find_bundles(first.source)
    shipped = {f"tests/{p.name}": p.read_text() for p in (dist / "student" / "tests").glob("*.py")}
    shipped["export_notebook.py"] = (dist / "student" / "export_notebook.py").read_text()
    assert bundle["files"] == shipped
    # the bundle (the check files: about 120 KB, with the callees' cases each carries) plus the
    # questions, "Put it together" and "Going further" (about 150 KB): 283 KB on 2026-12-07
    assert (dist / "student" / "lecture16.ipynb").stat().st_size < 350_000


def test_leak_check_looks_inside_bundles_and_metadata(dist, tmp_path):
    from autograder.build.bundle import encode

    secret = next(line for line, origin in leaks.secret_lines().items() if "hidden" in origin)
    nb = nbformat.read(str(dist / "student" / "lecture16.ipynb"), as_version=4)
    nb.cells[1].source += f'\n_unpack("""\n{encode({"x.py": secret})}\n""")'
    (tmp_path / "a").mkdir()
    nbformat.write(nb, str(tmp_path / "a" / "lecture16.ipynb"))
    assert any("hidden test" in p for p in leaks.find_leaks(tmp_path / "a"))
    nb = nbformat.read(str(dist / "student" / "lecture16.ipynb"), as_version=4)
    nb.metadata["otter"] = {"OK_FORMAT": False, "tests": {"q1_chunking": secret}}
    (tmp_path / "b").mkdir()
    nbformat.write(nb, str(tmp_path / "b" / "lecture16.ipynb"))
    assert any("hidden test" in p for p in leaks.find_leaks(tmp_path / "b"))


# ----------------------------------------------------------------------------- GitHub Classroom
def test_classroom_template_repository_has_the_release_and_no_hidden_test(dist):
    classroom = dist / "classroom"
    for rel in ("lecture16.ipynb", "lm_training.py", "corpus.txt", "README.md", "run_checks.py",
                ".github/workflows/classroom.yml", ".gitignore"):
        assert (classroom / rel).is_file(), rel
    assert sorted(p.name for p in (classroom / "tests").iterdir()) == sorted(
        p.name for p in (dist / "student" / "tests").iterdir())
    assert leaks.find_leaks(classroom) == []
    (classroom / "autograder").mkdir()
    try:
        (classroom / "autograder" / "q1_chunking.py").write_text("x = 1\n")
        assert leaks.find_leaks(classroom)  # a hidden-test folder is flagged by its place
    finally:
        import shutil

        shutil.rmtree(classroom / "autograder")
