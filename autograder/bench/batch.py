"""Batch throughput: submissions (the verify catalog's entries, spread evenly, or repeated when
there are more submissions than entries) graded with ``python -m autograder grade DIR --csv ...
--jobs N`` for N = 1 and 2: wall time, submissions per minute, the speed-up, and the peak memory
of the whole batch (all its processes together, sampled; see :mod:`.procs`). The submissions are
split into two halves graded in the order (half A, 1 job), (A, 2 jobs), (B, 2 jobs), (B, 1 job),
so that a change of load on a shared machine weighs on both job counts alike.
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


def make_folders(entries: Sequence, n: int, work: Path) -> list[Path]:
    """``n`` submissions from ``entries`` in two folders of about n/2 (every other pick each, so
    that both hold the same mix), each copy under its own name."""
    folders = [work / "half-a", work / "half-b"]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    for i, entry in enumerate(pick(entries, n)):
        shutil.copy(entry.path, folders[i % 2] / f"{i:03d}-{entry.path.name}")
    return folders


def csv_rows(path: Path) -> list[dict]:
    """The rows of a grades CSV ([] when the command wrote none)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError:
        return []


def _grade(folder: Path, jobs: int, work: Path, root: Path) -> dict:
    out = work / f"grades-{folder.name}-jobs{jobs}.csv"
    cmd = [sys.executable, "-m", "autograder", "grade", str(folder), "--csv", str(out),
           "--jobs", str(jobs)]
    run = procs.run(cmd, cwd=root, log=work / f"log-{folder.name}-jobs{jobs}.txt")
    rows = csv_rows(out)
    unfinished = [r["submission"] for r in rows if "did not finish" in (r.get("note") or "")]
    return {"wall_s": run.wall_s, "peak_together_mb": run.peak_together_mb,
            "largest_mb": run.largest_mb, "rows": len(rows), "unfinished": unfinished,
            "ok": run.returncode == 0 and not unfinished}


def measure(entries: Sequence, work: Path, *, n: int = 100, jobs: Sequence[int] = (1, 2),
            root: Path = ROOT) -> dict:
    """Both halves with each job count, in the order A1 A2 B2 B1 (with jobs = (1, 2)): a load
    that rises or falls during the run weighs on both job counts alike."""
    half_a, half_b = make_folders(entries, n, work / "submissions")
    picked = pick(entries, n)
    kinds = {k: sum(e.kind == k for e in picked) for k in sorted({e.kind for e in picked})}
    order = [(half_a, j) for j in jobs] + [(half_b, j) for j in reversed(jobs)]
    parts: dict[int, list[dict]] = {j: [] for j in jobs}
    for folder, j in order:
        parts[j].append(_grade(folder, j, work, root))
    results = {}
    for j, runs in parts.items():
        wall = sum(r["wall_s"] for r in runs)
        rows = sum(r["rows"] for r in runs)
        results[j] = {"wall_s": wall, "per_minute": 60 * n / wall,
                      "halves_s": [r["wall_s"] for r in runs],
                      "peak_together_mb": max(r["peak_together_mb"] for r in runs),
                      "largest_mb": max(r["largest_mb"] for r in runs), "rows": rows,
                      "unfinished": [u for r in runs for u in r["unfinished"]],
                      "ok": all(r["ok"] for r in runs) and rows == n}
    speedup = None
    if 1 in results and 2 in results:
        speedup = results[1]["wall_s"] / results[2]["wall_s"]
    return {"n": n, "entries": len(entries), "kinds": kinds, "jobs": results,
            "speedup_2_over_1": speedup}
