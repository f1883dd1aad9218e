"""Grade every entry of a folder, each in its own ``python -m autograder grade`` process, and keep
what the class report needs: points per question and the outcome of every test.

Each file or folder directly in the folder is one submission (names starting with ``.`` or
``__``, and Gradescope's ``submission_metadata.yml``, are skipped) and is graded as a whole by
``grade ENTRY``: the grader's own file rule (:mod:`autograder.engine.choose`) picks the file,
as on Gradescope (a repository with work in two files is graded, both files, best total).
"""
from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.results import add_points
from autograder.paths import ROOT
from autograder.questions import NUMPY_QUESTIONS
from autograder.safecsv import write_rows

ENTRY_TIMEOUT_S = 900  # one submission; the engine's own limits end far sooner


@dataclass
class Graded:
    """One entry of the batch."""

    submission: str
    """the entry's name (a file, or a folder such as a cloned repository)"""
    entry: Path
    file: str = ""
    """the graded file, relative to the entry's folder ("" when nothing was graded)"""
    note: str = ""
    graded: bool = False
    """the submission was read and tested (it may still have scored 0)"""
    total: float = 0.0
    max_total: float = float(sum(q.points for q in NUMPY_QUESTIONS))
    by_question: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    """question -> its points possible in the results (extra credit: as configured)"""
    tests: list[dict] = field(default_factory=list)
    """results.json's tests: name, score, max_score, status, output"""

    def row(self) -> dict:
        row = {"submission": self.submission, "total": round(self.total, 6),
               "max_total": round(self.max_total, 6)}
        row.update({q.id: round(self.by_question.get(q.id, 0.0), 6) for q in NUMPY_QUESTIONS})
        row.update({k: round(v, 6) for k, v in self.by_question.items()
                    if k not in row and self.possible.get(k, 0) > 0})  # extra credit, when set
        row.update({"file": self.file, "note": self.note})
        return row


METADATA_FILES = {"submission_metadata.yml", "submission_metadata.json"}  # Gradescope's export


def entries(folder: Path) -> list[Path]:
    """Each file or folder directly in ``folder`` is one submission (hidden names and
    Gradescope's submission_metadata files skipped)."""
    return sorted(p for p in Path(folder).iterdir()
                  if not p.name.startswith((".", "__")) and p.name not in METADATA_FILES)


def _read_results(record: Graded, data: dict) -> None:
    by_q: dict[str, list[float]] = {}
    possible: dict[str, list[float]] = {}
    for test in data["tests"]:
        qid = test["name"].split(" ", 1)[0]
        by_q.setdefault(qid, []).append(test["score"])
        possible.setdefault(qid, []).append(test["max_score"])
    record.tests = list(data["tests"])
    record.by_question = {qid: add_points(scores) for qid, scores in by_q.items()}
    record.possible = {qid: add_points(scores) for qid, scores in possible.items()}
    record.total = data["score"]
    record.max_total = add_points(test["max_score"] for test in data["tests"])
    extra = data.get("extra_data") or {}  # data, not the wording
    unreadable, unfinished = extra.get("unreadable", ""), bool(extra.get("unfinished"))
    record.graded = not unreadable and not unfinished
    record.file = str(extra.get("graded_file", ""))
    others = [str(f) for f in extra.get("other_files") or []]
    if unreadable:
        record.note = unreadable
    elif unfinished:
        record.note = "grading did not finish"
    elif extra.get("as_template"):
        record.note = (f"no file holds work of the student's own: {record.file} graded as "
                       "the untouched template")
    elif others:
        record.note = (f"work in {len(others) + 1} files: {record.file} counted (best total); "
                       f"also graded: {', '.join(others)}")


def read_record(entry: Path, results: Path) -> Graded | None:
    """The record of ``entry`` from a results.json a finished grading wrote (a batch that
    resumes), or None when there is none, it cannot be read, or grading did not finish."""
    try:
        data = json.loads(results.read_text(encoding="utf-8"))
        if (data.get("extra_data") or {}).get("unfinished"):
            return None
        record = Graded(submission=entry.name, entry=entry)
        _read_results(record, data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    return record


def grade_entry(entry: Path, results: Path) -> Graded:
    """Find the submission in ``entry`` and grade it in a separate process. Never raises: what
    goes wrong is the record's note."""
    try:
        return _grade_entry(entry, results)
    except Exception as e:  # one unreadable entry must not stop the batch
        return Graded(submission=entry.name, entry=entry,
                      note=f"could not be graded: {type(e).__name__}: {e}")


def _grade_entry(entry: Path, results: Path) -> Graded:
    record = Graded(submission=entry.name, entry=entry)
    cmd = [sys.executable, "-m", "autograder", "grade", str(entry), "--results", str(results),
           "--quiet"]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              timeout=ENTRY_TIMEOUT_S)
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
        record.note = f"grading did not finish: {e}"
        return record
    _read_results(record, data)
    if done.returncode != 0:
        record.note = (done.stderr.strip().splitlines() or ["grading failed"])[-1]
    return record


def grade_entries(items: list[Path], results_dir: Path, jobs: int = 1,
                  progress=None) -> list[Graded]:
    """Grade ``items`` (``jobs`` at a time), keeping each results.json in ``results_dir``;
    returns the records in the order of ``items``. ``progress(iterable, total)`` wraps the
    futures as they finish (a progress bar)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_entry, e, results_dir / f"{e.name}.json") for e in items]
        finished = as_completed(futures)
        for future in (progress(finished, len(futures)) if progress else finished):
            future.result()
        return [f.result() for f in futures]


def write_csv(records: list[Graded], path: Path) -> Path:
    """One row per entry: submission, total, max_total, one column per question id, then any
    other question graded for points (the "Going further" part and the torch track, when their
    extra credit is set), the graded file and the note."""
    rows = [r.row() for r in records]
    columns = ["submission", "total", "max_total", *(q.id for q in NUMPY_QUESTIONS)]
    extra = sorted({k for r in rows for k in r} - set(columns) - {"file", "note"})
    return write_rows(path, [*columns, *extra, "file", "note"], rows)  # no formula cells
