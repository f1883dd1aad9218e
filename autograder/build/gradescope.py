"""The two autograder zips: this project's (``autograder.zip``) and otter's own
(``otter generate``)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from autograder.engine.config import load_config
from autograder.hidden import cases
from autograder.hidden.cases import SHIPPED
from autograder.paths import OTTER_CONFIG, ROOT

FILES = Path(__file__).parent / "files"
# What grading needs on Gradescope: the engine, the question folders (table rows, hidden tests,
# public cases), the reference. Not the build (it needs nbformat/otter, which the grading image
# does not install).
PACKAGES = ("autograder", "reference")
EXTRA = ("assignments/__init__.py", "assignments/lecture16/__init__.py",
         "assignments/lecture16/public_cases.py")
QUESTION_FOLDERS = "assignments/lecture16/questions"
"""every question folder's Python files (its table row, public cases, hidden tests), but not its
catalog of bugs (``verify``'s, an instructor tool like autograder/verify)"""
# not needed to grade on Gradescope (instructor tools)
INSTRUCTOR_ONLY = tuple(("autograder", name) for name in (
    "build", "verify", "bench", "classreport", "batchgrade.py", "submissions.py", "cluster"))
FIXED_TIME = (2025, 1, 1, 0, 0, 0)  # a reproducible zip: same sources, same bytes


def _add(zf: zipfile.ZipFile, arcname: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(arcname, date_time=FIXED_TIME)
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def source_files() -> list[str]:
    """Repository-relative paths that go into the Gradescope zip."""
    paths = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "__pycache__" in rel.parts or rel.parts[:2] in INSTRUCTOR_ONLY:
                continue
            paths.append(rel.as_posix())
    for path in sorted((ROOT / QUESTION_FOLDERS).rglob("*.py")):
        if "__pycache__" not in path.parts and path.name != "catalog.py":
            paths.append(path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "autograder").rglob("*")):
        rel = path.relative_to(ROOT)
        if path.is_file() and path.suffix in (".json",) and "build" not in rel.parts \
                and "_cases" not in rel.parts:
            paths.append(rel.as_posix())
    return sorted(set(paths) | set(EXTRA))


def write_autograder_zip(path: Path) -> Path:
    """setup.sh and run_autograder at the root, the sources beside them (Gradescope unzips
    everything into /autograder/source)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name in ("setup.sh", "run_autograder"):
            _add(zf, name, (FILES / name).read_bytes(), executable=True)
        _add(zf, "requirements.txt", (ROOT / "requirements" / "grader.txt").read_bytes())
        _add(zf, "requirements-torch.txt", (ROOT / "requirements" / "torch.txt").read_bytes())
        _add(zf, "otter_config.json", OTTER_CONFIG.read_bytes())
        for rel in source_files():
            _add(zf, rel, (ROOT / rel).read_bytes())
        # the hidden tests' inputs for the configured budget, drawn once (setup.sh draws them
        # again only if Gradescope's Python or packages differ from this machine's)
        book = cases.ensure(load_config(OTTER_CONFIG).examples_per_test)
        _add(zf, (SHIPPED.relative_to(ROOT) / book.name).as_posix(), book.read_bytes())
    return path


def write_otter_zip(path: Path, tests_dir: Path) -> Path:
    """``otter generate`` on the public checks, for instructors who prefer otter's pipeline."""
    otter = Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(tests_dir, work / "tests")
        shutil.copy(OTTER_CONFIG, work / "otter_config.json")
        (work / "requirements.txt").write_text((ROOT / "requirements" / "grader.txt").read_text())
        shutil.copy(ROOT / "assignments" / "lecture16" / "corpus" / "corpus.txt", work)
        cmd = [str(otter), "generate", "-t", "tests", "-o", "autograder.zip", "corpus.txt"]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise RuntimeError(f"otter generate failed: {done.stderr.strip()[-500:]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "autograder.zip", path)
    return path
