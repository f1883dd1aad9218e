"""Grading latency of one correct submission: this project's ``python -m autograder grade``
against stock ``otter run`` on ``otter-autograder.zip``, on all cores and pinned to one.

The same solutions notebook goes through both (otter grades notebooks); the solutions ``.py``
through ``grade`` too (the issue's ``grade file.py``). Each command runs ``repeats`` times, the
commands taking turns, on all cores, pinned to one core (taskset), and under half a CPU (a
cgroup CPU quota, as Gradescope gives an autograder by default); the figure is the median wall
time of the whole command (interpreter start-up included) and the memory of its process tree
(see :mod:`.procs`).
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from autograder.bench import procs
from autograder.bench.workspace import Release
from autograder.paths import ROOT


def _ours(submission: Path, results: Path) -> list[str]:
    return [sys.executable, "-m", "autograder", "grade", str(submission), "--results",
            str(results), "--quiet"]


def _otter(release: Release, out: Path, notebook: Path | None = None) -> list[str]:
    otter = str(Path(sys.executable).with_name("otter"))
    return [otter, "run", "-a", str(release.otter_zip), "-o", str(out), "--no-logo",
            str(notebook or release.solutions_ipynb)]


def graded_part(notebook: Path, out: Path) -> Path:
    """The notebook without its cells that are not graded ("Put it together": training and
    plots, which ``grade`` never runs): what both graders grade."""
    import nbformat

    from autograder.engine.pysource import not_graded

    nb = nbformat.read(notebook, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or not not_graded(c)]
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def _score(results: Path) -> float | None:
    try:
        data = json.loads(results.read_text())
    except (OSError, ValueError):
        return None
    if "score" in data:
        return float(data["score"])
    return float(sum(t.get("score") or 0 for t in data.get("tests", [])))


def _case(label: str, engine: str, submission: str, cores: str, runs: list[procs.Run],
          scores: list) -> dict:
    return {
        "label": label, "engine": engine, "submission": submission, "cores": cores,
        "runs": [r.as_dict() for r in runs],
        "median_s": procs.median([r.wall_s for r in runs]),
        "peak_sum_mb": max(r.peak_sum_mb for r in runs),
        "largest_mb": max(r.largest_mb for r in runs),
        "scores": scores,
        "ok": all(r.returncode == 0 for r in runs) and all(s == 100 for s in scores),
    }


HALF = 0.5
"""Gradescope's default CPU for an autograder: half a CPU (imitated by a cgroup CPU quota)"""


def measure(release: Release, work: Path, *, repeats: int = 3, pinned_repeats: int = 3,
            otter_pinned_repeats: int = 1, otter: bool = True, root: Path = ROOT,
            half_repeats: int = 1) -> dict:
    """``root``: where ``python -m autograder`` runs (a copy with another budget, for tests)."""
    work.mkdir(parents=True, exist_ok=True)
    graded = graded_part(release.solutions_ipynb, work.parent / "graded-part" /
                         release.solutions_ipynb.name)
    commands = {
        ("grade", ".py"): lambda out: _ours(release.solutions_py, out / "results.json"),
        ("grade", ".ipynb"): lambda out: _ours(release.solutions_ipynb, out / "results.json"),
    }
    if otter:  # the graded part each turn; the whole notebook (its training too) once
        commands[("otter run", ".ipynb, graded part")] = lambda out: _otter(release, out, graded)

    def once(key, core, cgroup=None) -> tuple[procs.Run, float | None]:
        out = work / f"out-{len(list(work.iterdir()))}"
        out.mkdir()
        run = procs.run(commands[key](out), cwd=root, core=core, log=out / "log.txt",
                        cgroup=cgroup)
        score = _score(out / "results.json")
        if score is not None:
            shutil.rmtree(out, ignore_errors=True)  # keep the folders of failed runs only
        return run, score

    runs: dict[tuple, list] = {}
    for _ in range(repeats):  # taking turns: a slow spell of a shared machine hits all alike
        for key in commands:
            runs.setdefault((*key, "all"), []).append(once(key, None))
    if otter:
        commands[("otter run", ".ipynb")] = lambda out: _otter(release, out)
        runs[("otter run", ".ipynb", "all")] = [once(("otter run", ".ipynb"), None)]
    core = procs.first_core()
    plan = [(("grade", ".py"), pinned_repeats)]
    if otter:
        plan.append((("otter run", ".ipynb, graded part"), otter_pinned_repeats))
    for _ in range(max(n for _, n in plan)):
        for key, n in plan:
            if len(runs.get((*key, "one"), [])) < n:
                runs.setdefault((*key, "one"), []).append(once(key, core))
    half_keys = [("grade", ".py"), ("grade", ".ipynb")] + (
        [("otter run", ".ipynb, graded part")] if otter else [])
    half_note = ""
    with procs.cpu_quota(HALF) as cgroup:
        if cgroup is None:
            half_note = "no cgroup CPU quota can be set here (needs root and a cpu controller)"
        else:
            for _ in range(half_repeats):
                for key in half_keys:
                    runs.setdefault((*key, "half"), []).append(once(key, None, cgroup))
    names = {"one": "1 core (taskset)", "all": "all cores",
             "half": f"{HALF:g} CPU (cgroup quota)"}
    cases = []
    for (engine, suffix, cores), pairs in runs.items():
        label = f"`{'python -m autograder grade' if engine == 'grade' else 'otter run'}` " \
                f"solutions {suffix}"
        cases.append(_case(label, engine, suffix, names[cores], [r for r, _ in pairs],
                           [s for _, s in pairs]))
    return {"cases": cases, "pinned_core": core, "half_note": half_note}


def find(result: dict, engine: str, submission: str, one_core: bool = False,
         half: bool = False) -> dict | None:
    for case in result.get("cases", []):
        if (case["engine"], case["submission"]) == (engine, submission) and \
                case["cores"].startswith("1") == one_core and \
                case["cores"].startswith(f"{HALF:g}") == half:
            return case
    return None
