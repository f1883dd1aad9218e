"""setup.sh on an image whose system Python forbids pip installs (PEP 668's
"externally-managed-environment": Debian 12, Ubuntu 24.04): it installs into a virtual
environment every user can read, and run_autograder grades with it. Slow (it installs the grading
requirements from the package index): ``python -m pytest -m slow tests/test_setup_pep668.py``."""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _externally_managed(python: Path) -> bool:
    if not python.exists():
        return False
    done = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                           "'stdlib'))"], capture_output=True, text=True, check=False)
    return (Path(done.stdout.strip()) / "EXTERNALLY-MANAGED").is_file()


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="setup.sh creates a user and needs root")
@pytest.mark.skipif(not _externally_managed(SYSTEM_PYTHON),
                    reason="needs a system Python marked EXTERNALLY-MANAGED (PEP 668)")
def test_setup_on_an_externally_managed_python(tmp_path):
    from autograder.build.gradescope import write_autograder_zip
    from autograder.build.release import solutions_module

    root = tmp_path / "autograder"
    with zipfile.ZipFile(write_autograder_zip(tmp_path / "autograder.zip")) as zf:
        zf.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    (root / "submission" / "lm_training.py").write_text(solutions_module())
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": str(SYSTEM_PYTHON)}
    # what Gradescope ran before: pip on the system Python, refused
    refused = subprocess.run([str(SYSTEM_PYTHON), "-m", "pip", "install", "--dry-run",
                              "numpy"], capture_output=True, text=True, env=env, check=False)
    assert "externally-managed-environment" in refused.stderr
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    venv = root / "venv"
    python = venv / "bin" / "python"
    assert python.exists()
    for path in (root, venv, *venv.rglob("site-packages")):  # the worker's uid reads it
        assert path.stat().st_mode & stat.S_IXOTH and path.stat().st_mode & stat.S_IROTH
    del env["AUTOGRADER_PYTHON"]  # as Gradescope runs it
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                  if not p.startswith(str(Path(sys.executable).parent)))
    ran = subprocess.run([str(root / "source" / "run_autograder")], env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == pytest.approx(100)
    shutil.rmtree(venv)
