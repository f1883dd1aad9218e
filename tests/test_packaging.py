"""The Gradescope zip, unpacked into a temporary /autograder, and otter's own zip with `otter run`;
the wheel (`pip install .`), installed into a fresh virtual environment, grading from another
folder."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from checkout import run_checked, numpy_total

NUMPY_POINTS = numpy_total()


def _unpack_gradescope(dist: Path, root: Path, submission: Path) -> dict:
    source = root / "source"
    with zipfile.ZipFile(dist / "autograder.zip") as zf:
        zf.extractall(source)
    for name in ("setup.sh", "run_autograder"):
        (source / name).chmod(0o755)
    (root / "submission").mkdir(parents=True)
    shutil.copy(submission, root / "submission" / submission.name)
    (root / "results").mkdir()
    return {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}


def _run_gradescope(dist: Path, tmp_path: Path, submission: Path) -> dict:
    root = tmp_path / "autograder"
    env = _unpack_gradescope(dist, root, submission)
    run_checked(["bash", str(root / "source" / "setup.sh")], env=env, timeout=600)
    done = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh creates a user and needs root")
def test_gradescope_zip_gives_the_solutions_notebook_full_marks(dist, tmp_path):
    results = _run_gradescope(dist, tmp_path, dist / "solutions" / "lecture16.ipynb")
    assert results["score"] == pytest.approx(NUMPY_POINTS)
    assert all(t["name"].split(" ")[0] for t in results["tests"])


@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh creates a user and needs root")
def test_gradescope_zip_gives_the_template_zero(dist, tmp_path):
    results = _run_gradescope(dist, tmp_path, dist / "student" / "lm_training.py")
    assert results["score"] == 0
    assert any(t["status"] == "failed" for t in results["tests"])


def _otter_run(dist: Path, tmp_path: Path, submission: Path) -> dict:
    otter = Path(sys.executable).with_name("otter")
    out = tmp_path / "otter-out"
    out.mkdir()
    run_checked([str(otter), "run", "-a", str(dist / "otter-autograder.zip"), "-o", str(out),
                 "--no-logo", str(submission)], timeout=600)
    return json.loads((out / "results.json").read_text())


def _otter_score(results: dict) -> float:
    return sum(t.get("score", 0) or 0 for t in results["tests"])


def test_otter_zip_gives_the_solutions_notebook_full_public_marks(dist, tmp_path):
    """On the notebook's graded part: "Put it together" trains for half a minute and changes
    no public check (the build ran the whole notebook with every check passing)."""
    from autograder.bench.latency import graded_part

    notebook = graded_part(dist / "solutions" / "lecture16.ipynb", tmp_path / "lecture16.ipynb")
    results = _otter_run(dist, tmp_path, notebook)
    assert _otter_score(results) == pytest.approx(NUMPY_POINTS)


def test_otter_zip_gives_the_untouched_student_notebook_zero(dist, tmp_path):
    results = _otter_run(dist, tmp_path, dist / "student" / "lecture16.ipynb")
    assert _otter_score(results) == 0


# ----------------------------------------------------------------------------- the wheel
def _copy_of_the_checkout(dest: Path) -> Path:
    """The sources without build outputs (building in place would leave build/ in the tree)."""
    from autograder.paths import ROOT

    skip = shutil.ignore_patterns(".venv", ".git", "dist", "build", "*.egg-info", "__pycache__",
                                  ".hypothesis", ".pytest_cache")
    return Path(shutil.copytree(ROOT, dest, ignore=skip))


def test_the_installed_wheel_grades_from_any_folder_and_refuses_to_build(tmp_path):
    from autograder.build.release import solutions_module

    # 1) a wheel of the project, built without network (this environment's setuptools)
    source = _copy_of_the_checkout(tmp_path / "source")
    run_checked([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                 "--no-build-isolation", "-w", str(tmp_path / "wheels"), "-q"], timeout=300)
    shutil.rmtree(source)
    (wheel,) = (tmp_path / "wheels").glob("*.whl")
    # 2) a fresh environment that sees neither the checkout nor this one's packages
    venv = tmp_path / "venv"
    run_checked([sys.executable, "-m", "venv", str(venv)], timeout=300)
    python = venv / "bin" / "python"
    run_checked([str(python), "-m", "pip", "install", "-q", str(wheel)], timeout=600)
    # 3) grade the reference solution from a folder outside the checkout, with its own settings
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "lm_training.py").write_text(solutions_module(), encoding="utf-8")
    (elsewhere / "otter_config.json").write_text('{"autograder": {"examples_per_test": 3}}')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = run_checked([str(python), "-c", "import autograder; print(autograder.__file__)"],
                        cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    done = subprocess.run([str(python), "-m", "autograder", "grade", "../lm_training.py",
                           "--results", "results.json"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads((elsewhere / "results.json").read_text())
    assert results["score"] == pytest.approx(NUMPY_POINTS), done.stdout
    assert f"{NUMPY_POINTS:g} / {NUMPY_POINTS:g}" in done.stdout, done.stdout
    # 4) what needs a checkout says so instead of building from an installed package
    for command in ("build", "verify"):
        done = subprocess.run([str(python), "-m", "autograder", command], cwd=elsewhere, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "expected a checkout of the repository" in done.stderr
    assert not (elsewhere / "dist").exists()


def test_grading_settings_come_from_the_current_folder_then_the_checkout_then_defaults(
        tmp_path, monkeypatch):
    from autograder import paths
    from autograder.engine.config import GradingConfig, load_config

    monkeypatch.chdir(tmp_path)
    assert paths.otter_config() == paths.OTTER_CONFIG  # the checkout's, nothing here
    (tmp_path / "otter_config.json").write_text('{"autograder": {"examples_per_test": 7}}')
    assert paths.otter_config() == tmp_path / "otter_config.json"
    assert load_config().examples_per_test == 7
    (tmp_path / "otter_config.json").unlink()
    monkeypatch.setattr(paths, "OTTER_CONFIG", tmp_path / "installed" / "otter_config.json")
    assert paths.otter_config() is None and load_config() == GradingConfig()


def test_the_checkouts_settings_are_read_whole_and_the_rest_are_defaults():
    """Each setting of the checkout's otter_config.json is the one graded with (whatever its
    value: an instructor changes them there), the others are ``GradingConfig``'s defaults (also
    what an installed grader run where there is no otter_config.json uses)."""
    from autograder.engine.config import GradingConfig, load_config
    from autograder.paths import OTTER_CONFIG

    written = json.loads(OTTER_CONFIG.read_text(encoding="utf-8"))["autograder"]
    assert load_config(OTTER_CONFIG) == GradingConfig(**written), written


def test_a_checkout_is_recognised_and_an_installed_layout_is_refused(tmp_path, monkeypatch):
    from autograder import paths

    assert paths.is_checkout()
    paths.require_checkout("python -m autograder build")  # no error here
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    with pytest.raises(paths.NotACheckout, match="expected a checkout of the repository"):
        paths.require_checkout("python -m autograder build")
