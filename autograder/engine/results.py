"""What grading produced, and the one function that owns Gradescope's ``results.json`` format."""
from __future__ import annotations

import json
import math
import os
import re
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
    reveal: dict | None = None
    """what the reveal before the due date did (:mod:`autograder.engine.reveal`), for the
    instructor's ``extra_data``; None when the setting is off"""

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


# ----------------------------------------------------------------------------- student text
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e"
                        "\u2066-\u2069\ufeff\ud800-\udfff]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every character that is not plain printable text written as an escape:
    control characters (NUL, ESC and so the start of any terminal sequence, CR, DEL, C1) but
    for newline and tab, lone surrogates (not UTF-8), byte-order marks and the bidirectional
    and line-separator controls become ``\\x1b``, ``\\ud800``... So it can be encoded as strict
    UTF-8 and printed to a terminal as it is; the student still sees which character it was."""
    return _INVISIBLE.sub(_escape_char, str(text))


_FENCE = re.compile(r"(`{3,})[^`]*|(~{3,}).*")  # a backtick fence's info has no backtick
_UNDERLINE = re.compile(r" {0,3}(=+|-+) *")
_SPAN = re.compile(r"(`+)")  # no backslash escapes one: prose's backslashes are doubled
_PROSE = re.compile(r"[&<>\[\]|\\]|^( {0,3})(#)", re.M)
_PROSE_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "|": "\\|",
                  "\\": "\\\\"}


def _prose(text: str) -> str:
    """Markdown text outside code: no HTML (tags, entities, autolinks), no link or image, no
    heading, whoever wrote it; it renders as the same characters."""
    return _PROSE.sub(lambda m: m.group(1) + "\\#" if m.group(2)
                      else _PROSE_ESCAPES[m.group()], text)


def _inline(text: str) -> str:
    """One line with its prose escaped and its code spans kept: a run of backticks opens a span
    that the next run of the same length closes (CommonMark)."""
    out, pos = [], 0
    while True:
        opening = _SPAN.search(text, pos)
        if opening is None:
            break
        ticks = opening.group(1)
        closing = re.compile(f"(?<!`){ticks}(?!`)").search(text, opening.end())
        if closing is None:  # a lone run of backticks is text
            out.append(_prose(text[pos:opening.end()]))
            pos = opening.end()
            continue
        out.append(_prose(text[pos:opening.start()]) + text[opening.start():closing.end()])
        pos = closing.end()
    out.append(_prose(text[pos:]))
    return "".join(out)


def markdown(text: str) -> str:
    """``text`` as the Markdown results.json declares (``output_format: md``), safe whatever the
    student put in it (an error message, a printed value, a file's or a cell's text): every
    character :func:`visible`, and outside code HTML escaped and ``[``, ``]``, ``|``, ``\\``, a
    line's leading ``#`` and a heading's underline backslashed, so no tag, image, link, table or
    heading of theirs is rendered (their ``*`` and ``_`` still make emphasis, a bare URL may
    show as a link); it reads
    as the same characters. Code is only what CommonMark cannot read otherwise: a code span
    within one line, a fenced block opened at the left margin after a blank line (or first) and
    kept to its closing fence. The grader's own Markdown (bold, code, fences, lists) is kept."""
    out: list[str] = []
    fence, blank = None, True  # blank: the line before was blank (or there was none)
    for line in visible(text).split("\n"):
        if fence is not None:  # inside a fenced block: as it is, until its closing fence
            out.append(line)
            closing = line.strip()
            if closing.startswith(fence) and set(closing) == {fence[0]}:
                fence = None
        elif blank and _FENCE.fullmatch(line):
            fence = _FENCE.fullmatch(line).group(1) or _FENCE.fullmatch(line).group(2)
            out.append(line)
        elif _UNDERLINE.fullmatch(line):  # would make the line above a heading
            out.append(line.replace(line.strip()[0], "\\" + line.strip()[0], 1))
        else:
            out.append(_inline(line))
        blank = not line.strip()
    return "\n".join(out)


def _strict(value):
    """Every string in a results.json value made :func:`visible` (keys too)."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, list):
        return [_strict(v) for v in value]
    if isinstance(value, dict):
        return {visible(k): _strict(v) for k, v in value.items()}
    return value


def to_gradescope(result: GradingResult) -> dict:
    """Gradescope's results format: score, execution_time, output and tests (name, score,
    max_score, status, output, visibility), with Markdown outputs. Any text a student wrote
    is shown as text: every string :func:`visible`, the outputs :func:`markdown`."""
    return _strict({
        "score": result.score,
        "execution_time": round(result.execution_time, 3),
        "output": markdown(_truncate("\n\n".join(result.messages), MAX_TOP_OUTPUT)),
        "output_format": "md",
        "test_output_format": "md",
        "stdout_visibility": "hidden",
        "extra_data": {"isolation": list(result.isolation), "unreadable": result.unreadable,
                       "unfinished": result.unfinished,
                       **({"graded_file": result.graded_file} if result.graded_file else {}),
                       "other_files": list(result.other_files), "as_template": result.as_template,
                       **({"reveal": result.reveal} if result.reveal is not None else {})},
        "tests": [{
            "name": t.name,
            "score": round(t.score, POINT_DIGITS),
            "max_score": round(t.max_score, POINT_DIGITS),
            "status": "passed" if t.passed else "failed",
            "output": markdown(_truncate(t.output, MAX_OUTPUT)),
            "output_format": "md",
            "visibility": t.visibility,
            "extra_data": {"status": t.status, "idea": t.idea, "kind": t.kind},
        } for t in result.tests],
    })


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


def encoded(result: GradingResult) -> bytes:
    """results.json's bytes: strict UTF-8 JSON (no NaN, no lone surrogate, raw or escaped)."""
    return json.dumps(to_gradescope(result), indent=1, allow_nan=False,
                      ensure_ascii=False).encode("utf-8")


def write_results(result: GradingResult, path: Path) -> Path:
    """Write results.json atomically: a reader sees the old file or the whole new one. When the
    disk is full, the reserved placeholder (:func:`reserve_results`) is overwritten in place
    instead, the rest of it blanked with spaces (valid JSON, no new disk block needed)."""
    path = Path(path)
    data = encoded(result)
    try:
        _write_atomically(path, data)
    except OSError:
        reserved = path.stat().st_size if path.is_file() else 0
        if len(data) > reserved:
            raise
        with open(path, "r+b") as f:
            f.write(data.ljust(reserved, b" "))
    return path
