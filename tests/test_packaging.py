"""The Gradescope zip, unpacked into a temporary /autograder, and otter's own zip with `otter run`."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

NUMPY_POINTS = 100


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
    subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, check=True,
                   capture_output=True, timeout=600)
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
    subprocess.run([str(otter), "run", "-a", str(dist / "otter-autograder.zip"), "-o", str(out),
                    "--no-logo", str(submission)], check=True, capture_output=True, timeout=600)
    return json.loads((out / "results.json").read_text())


def _otter_score(results: dict) -> float:
    return sum(t.get("score", 0) or 0 for t in results["tests"])


def test_otter_zip_gives_the_solutions_notebook_full_public_marks(dist, tmp_path):
    results = _otter_run(dist, tmp_path, dist / "solutions" / "lecture16.ipynb")
    assert _otter_score(results) == pytest.approx(NUMPY_POINTS)


def test_otter_zip_gives_the_untouched_student_notebook_zero(dist, tmp_path):
    results = _otter_run(dist, tmp_path, dist / "student" / "lecture16.ipynb")
    assert _otter_score(results) == 0
