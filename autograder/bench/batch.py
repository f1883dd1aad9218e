"""Batch throughput: a folder of submissions (the verify catalog's entries, spread evenly, or
repeated when there are more submissions than entries) graded
with ``python -m autograder grade DIR --csv ... --jobs N`` for N = 1 and 2: wall time,
submissions per minute, the speed-up, and the peak memory of the whole batch (all its
processes together, sampled; see :mod:`.procs`).
"""
from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path
from typing import Sequence

from autograder.bench import procs
from autograder.paths import ROOT


def pick(entries: Sequence, n: int) -> list:
    """``n`` entries spread evenly over the list (every kind and question gets its share), the
    list repeated when ``n`` is larger."""
    return [entries[(i * len(entries)) // n % len(entries)] if n <= len(entries)
            else entries[i % len(entries)] for i in range(n)]


def make_folder(entries: Sequence, n: int, folder: Path) -> Path:
    """``n`` submissions from ``entries``, each copy under its own name."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, entry in enumerate(pick(entries, n)):
        shutil.copy(entry.path, folder / f"{i:03d}-{entry.path.name}")
    return folder


def _rows(path: Path) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def measure(entries: Sequence, work: Path, *, n: int = 100, jobs: Sequence[int] = (1, 2),
            root: Path = ROOT) -> dict:
    folder = make_folder(entries, n, work / "submissions")
    picked = pick(entries, n)
    kinds = {k: sum(e.kind == k for e in picked) for k in sorted({e.kind for e in picked})}
    results = {}
    for j in jobs:
        out = work / f"grades-jobs{j}.csv"
        cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(out),
               "--jobs", str(j)]
        run = procs.run(cmd, cwd=root, log=work / f"log-jobs{j}.txt")
        rows = _rows(out)
        unfinished = [r["submission"] for r in rows if "did not finish" in (r.get("note") or "")]
        results[j] = {"wall_s": run.wall_s, "per_minute": 60 * n / run.wall_s,
                      "peak_together_mb": run.peak_together_mb, "largest_mb": run.largest_mb,
                      "processes": run.processes, "rows": len(rows),
                      "unfinished": unfinished,
                      "ok": run.returncode == 0 and len(rows) == n and not unfinished}
    speedup = None
    if 1 in results and 2 in results:
        speedup = results[1]["wall_s"] / results[2]["wall_s"]
    return {"n": n, "entries": len(entries), "kinds": kinds, "jobs": results,
            "speedup_2_over_1": speedup}
