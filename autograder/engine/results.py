"""What grading produced, and the one function that owns Gradescope's ``results.json`` format."""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.api import TestOutcome

MAX_OUTPUT = 4000  # characters of one test's output; the whole file stays well under 1 MB
MAX_TOP_OUTPUT = 8000
POINT_DIGITS = 6
"""points are written with this many decimals (results.json, the CSV): every test's points are
a multiple of 10**-POINT_DIGITS, split so that they add up exactly (:func:`split_points`)"""


def split_points(total: float, weights: list[float]) -> list[float]:
    """``total`` split over ``weights`` at :data:`POINT_DIGITS` decimals, by largest remainder:
    each share is ``total * w / sum(weights)`` rounded down to a multiple of 10**-POINT_DIGITS,
    and the units left go one each to the largest remainders (the first among equals), so that
    :func:`add_points` of the shares is ``total`` exactly (20 over three equal tests: 6.666667,
    6.666667, 6.666666, not three 6.666667 that make 20.000001)."""
    if not weights:
        return []
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"expected non-negative weights with a positive sum, got "
                         f"weights={weights!r}")
    unit = 10 ** POINT_DIGITS
    units = round(total * unit)
    raw = [units * w / math.fsum(weights) for w in weights]
    shares = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in by_remainder[:units - sum(shares)]:
        shares[i] += 1
    return [share / unit for share in shares]


def add_points(values) -> float:
    """The sum of points, exact at :data:`POINT_DIGITS` decimals (the float nearest to it)."""
    return round(math.fsum(values), POINT_DIGITS)


@dataclass
class GradingResult:
    submission: str
    tests: list[TestOutcome] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """Markdown lines for the top of the results page (what happened while loading)"""
    execution_time: float = 0.0
    isolation: list[str] = field(default_factory=list)
    """what confined the worker (the sandbox's protections, in words), for the instructor"""
    unreadable: str = ""
    """why the submission could not be read ("" when it was read and tested)"""
    unfinished: bool = False
    """the placeholder written before grading (grading did not finish)"""
    graded_file: str = ""
    """the file whose grade counted, inside the submission (the spec's file rule)"""
    other_files: list[str] = field(default_factory=list)
    """the other candidates, graded too, whose totals did not count"""
    as_template: bool = False
    """no file held work of the student's own: the submission was graded as the template"""

    @property
    def score(self) -> float:
        return add_points(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return add_points(t.max_score for t in self.tests)

    def by_question(self) -> dict[str, tuple[float, float]]:
        """question id -> (points earned, points possible), in the order the tests came (the
        engine runs them in question order)."""
        table = {}
        for qid in dict.fromkeys(t.question for t in self.tests):
            tests = [t for t in self.tests if t.question == qid]
            if tests:
                table[qid] = (add_points(t.score for t in tests),
                               add_points(t.max_score for t in tests))
        return table


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + "\n\n*(output truncated)*"


def to_gradescope(result: GradingResult) -> dict:
    """Gradescope's results format: score, execution_time, output and tests (name, score,
    max_score, status, output, visibility), with Markdown outputs."""
    return {
        "score": result.score,
        "execution_time": round(result.execution_time, 3),
        "output": _truncate("\n\n".join(result.messages), MAX_TOP_OUTPUT),
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "extra_data": {"isolation": list(result.isolation), "unreadable": result.unreadable,
                       "unfinished": result.unfinished,
                       **({"graded_file": result.graded_file} if result.graded_file else {}),
                       "other_files": list(result.other_files), "as_template": result.as_template},
        "tests": [{
            "name": t.name,
            "score": round(t.score, POINT_DIGITS),
            "max_score": round(t.max_score, POINT_DIGITS),
            "status": "passed" if t.passed else "failed",
            "output": _truncate(t.output, MAX_OUTPUT),
            "output_format": "md",
            "visibility": t.visibility,
            "extra_data": {"status": t.status, "idea": t.idea, "kind": t.kind},
        } for t in result.tests],
    }


RESERVED_BYTES = 2 ** 20
"""the size of the placeholder results.json written before grading: space the final write can
reuse when the disk is full by then"""
UNFINISHED = ("**Grading did not finish.** The autograder stopped before it could write your "
              "results (it was stopped, or the machine ran out of memory or disk). Please tell "
              "your instructors.")


def reserve_results(path: Path, submission: str = "") -> Path:
    """Before any student code runs: create results.json's folder and a valid results.json
    (score 0, saying that grading did not finish), padded with spaces to RESERVED_BYTES, so
    that a disk filled later cannot stop the final write (:func:`write_results`)."""
    placeholder = GradingResult(submission=submission, messages=[UNFINISHED], unfinished=True)
    data = json.dumps(to_gradescope(placeholder), indent=1).encode("utf-8")
    _write_atomically(path, data.ljust(RESERVED_BYTES, b" "))
    return path


def _write_atomically(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".results-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_results(result: GradingResult, path: Path) -> Path:
    """Write results.json atomically: a reader sees the old file or the whole new one. When the
    disk is full, the reserved placeholder (:func:`reserve_results`) is overwritten in place
    instead, the rest of it blanked with spaces (valid JSON, no new disk block needed)."""
    path = Path(path)
    data = json.dumps(to_gradescope(result), indent=1, allow_nan=False).encode("utf-8")
    try:
        _write_atomically(path, data)
    except OSError:
        reserved = path.stat().st_size if path.is_file() else 0
        if len(data) > reserved:
            raise
        with open(path, "r+b") as f:
            f.write(data.ljust(reserved, b" "))
    return path
