"""The instructor's two long commands, timed whole: ``verify`` on the whole bug catalog and the
test suite (``make test``'s pytest run; the installs of a fresh clone are not in it)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from autograder.bench import procs
from autograder.paths import ROOT


def _tail(log: Path, lines: int = 3) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def measure(work: Path, *, verify_jobs: int = 2, tests: bool = True,
            only: str | None = None) -> dict:
    """``python -m autograder verify --jobs N`` then ``python -m pytest -q`` (``make test``'s
    command: pyproject.toml's options, two xdist workers), one run each."""
    work.mkdir(parents=True, exist_ok=True)
    out: dict = {}
    command = [sys.executable, "-m", "autograder", "verify", "--jobs", str(verify_jobs)]
    if only:
        command += ["--only", only]
    run = procs.run(command, cwd=ROOT, log=work / "verify.txt", timeout_s=3600)
    text = (work / "verify.txt").read_text(errors="replace")
    entries = re.search(r"graded (\d+) entries", text)
    out["verify"] = {"command": " ".join(["python", *command[1:]]), "wall_s": run.wall_s,
                     "ok": run.returncode == 0 and "verify PASSED" in text,
                     "entries": int(entries.group(1)) if entries else None,
                     "peak_together_mb": run.peak_together_mb, "tail": _tail(work / "verify.txt")}
    if tests:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "--durations=10", f"--basetemp={work / 'pytest'}"]
        run = procs.run(command, cwd=ROOT, log=work / "pytest.txt", timeout_s=3600)
        text = (work / "pytest.txt").read_text(errors="replace")
        slowest = re.findall(r"^\s*(\d+\.\d+)s (call|setup|teardown)\s+(\S+)", text, re.M)
        out["tests"] = {"command": "python -m pytest -q", "wall_s": run.wall_s,
                        "ok": run.returncode == 0, "summary": _tail(work / "pytest.txt", 1),
                        "slowest": [(float(t), name) for t, _, name in slowest[:10]]}
    return out
