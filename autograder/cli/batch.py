"""Grade every entry of a folder, each in its own ``python -m autograder grade`` process."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

from autograder.paths import ROOT
from autograder.questions import NUMPY_QUESTIONS
from autograder.report import batch_summary

ENTRY_TIMEOUT_S = 900  # one submission; the engine's own limits end far sooner


def entries(folder: Path) -> list[Path]:
    """Each file or folder directly in ``folder`` is one submission (hidden names skipped)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "__")))


def _grade_one(entry: Path, results: Path) -> dict:
    cmd = [sys.executable, "-m", "autograder", "grade", str(entry), "--results", str(results),
           "--quiet"]
    row: dict = {"submission": entry.name}
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=ENTRY_TIMEOUT_S)
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
        row["note"] = f"grading did not finish: {e}"
        return row
    if done.returncode != 0:
        row["note"] = done.stderr.strip().splitlines()[-1:] or ["grading failed"]
    by_q: dict[str, float] = {}
    max_total = 0.0
    for test in data["tests"]:
        qid = test["name"].split(" ", 1)[0]
        by_q[qid] = by_q.get(qid, 0.0) + test["score"]
        max_total += test["max_score"]
    row.update({"total": data["score"], "max_total": round(max_total, 6),
                **{q: round(v, 6) for q, v in by_q.items()}})
    if data.get("output", "").startswith("**Your submission could not be read:**"):
        row["note"] = data["output"].split("**", 2)[-1].strip()
    return row


def grade_folder(folder: Path, csv_path: Path, *, jobs: int = 1, results_dir: Path | None = None) -> int:
    items = entries(folder)
    question_ids = [q.id for q in NUMPY_QUESTIONS]
    max_total = sum(q.points for q in NUMPY_QUESTIONS)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(results_dir) if results_dir else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_grade_one, e, out / f"{e.name}.json") for e in items]
            rows = [f.result() for f in tqdm(futures, desc="grading", unit="submission")]
    for row in rows:
        row.setdefault("total", 0.0)
        row.setdefault("max_total", max_total)
        for qid in question_ids:
            row.setdefault(qid, 0.0)
    columns = ["submission", "total", "max_total", *question_ids]
    extra = sorted({k for r in rows for k in r} - set(columns) - {"note"})
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[*columns, *extra, "note"], restval="")
        writer.writeheader()
        writer.writerows(rows)
    print(batch_summary(rows, question_ids))
    print(f"wrote {csv_path}")
    return 0
