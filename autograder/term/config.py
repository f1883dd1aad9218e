"""The instructor's term settings: the ``"term"`` key of ``otter_config.json`` (or of the JSON
file ``grade DIR --csv ... --term FILE`` names). Every key is optional; with none of them the
batch's outputs are what they are without this module.

```json
"term": {
  "due": "2026-12-01 23:59 America/New_York",
  "late_policy": {"grace_minutes": 15, "percent_per": "day", "percent": 10,
                  "max_percent": 50, "not_accepted_after": "2026-12-04 23:59 America/New_York"},
  "extensions": "extensions.csv",
  "overrides": "overrides.csv",
  "canvas": {"assignment": "Lecture 16: training transformers", "roster": "canvas.csv"},
  "similarity": {"threshold": 0.5}
}
```

File names are relative to the folder of the JSON file that holds them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from autograder.term.errors import TermError
from autograder.term.times import parse_time

UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
KEYS = {"due", "late_policy", "extensions", "overrides", "canvas", "similarity"}
POLICY_KEYS = {"grace_minutes", "percent", "percent_per", "max_percent", "not_accepted_after"}


@dataclass(frozen=True)
class LatePolicy:
    """``percent`` of the raw score off per started ``unit`` late (counted from the due date
    once the grace period is passed), at most ``max_percent``; nothing accepted after
    ``not_accepted_after`` (moved by a student's extension as much as their due date)."""

    grace: timedelta = timedelta(0)
    percent: float = 0.0
    unit: timedelta = UNITS["day"]
    max_percent: float = 100.0
    not_accepted_after: datetime | None = None


@dataclass(frozen=True)
class Term:
    due: datetime | None = None
    policy: LatePolicy = field(default_factory=LatePolicy)
    extensions: Path | None = None
    overrides: Path | None = None
    canvas_assignment: str = ""
    canvas_roster: Path | None = None
    canvas: bool = False
    similarity: float | None = None
    """the threshold of the similarity report (None: no report)"""

    @property
    def active(self) -> bool:
        """Anything to do after grading (else the outputs are today's)."""
        return bool(self.due or self.extensions or self.overrides or self.canvas
                    or self.similarity is not None)

    @property
    def gradebook_columns(self) -> bool:
        """The gradebook gets the term's columns (a due date or overrides)."""
        return bool(self.due or self.overrides)


def _number(value, *, what: str, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or (
            high is not None and value > high):
        bounds = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise TermError(f"expected a number {bounds}, got {what}={value!r}; fix the term "
                        "settings")
    return float(value)


def _policy(raw, due: datetime | None) -> LatePolicy:
    if raw in (None, {}):
        return LatePolicy()
    if not isinstance(raw, dict) or set(raw) - POLICY_KEYS:
        raise TermError(f"expected late_policy to be an object with keys among "
                        f"{sorted(POLICY_KEYS)}, got late_policy={raw!r}; fix the term settings")
    if due is None:
        raise TermError("expected a due date with the late policy, got due=None; add \"due\"")
    per = raw.get("percent_per", "day")
    if per not in UNITS:
        raise TermError(f"expected percent_per to be 'day' or 'hour', got percent_per={per!r}")
    cutoff = raw.get("not_accepted_after")
    cutoff = parse_time(cutoff, what="not_accepted_after") if cutoff else None
    if cutoff is not None and cutoff < due:
        raise TermError(f"expected not_accepted_after on or after the due date, got "
                        f"not_accepted_after={cutoff.isoformat()!r}; fix the date")
    return LatePolicy(
        grace=timedelta(minutes=_number(raw.get("grace_minutes", 0), what="grace_minutes")),
        percent=_number(raw.get("percent", 0), what="percent", high=100),
        unit=UNITS[per],
        max_percent=_number(raw.get("max_percent", 100), what="max_percent", high=100),
        not_accepted_after=cutoff)


def _file(raw, base: Path, *, what: str) -> Path | None:
    if raw in (None, ""):
        return None
    path = (base / str(raw)).resolve()
    if not path.is_file():
        raise TermError(f"expected the {what} CSV at {path}, found nothing; fix the path "
                        "(relative to the settings file's folder)")
    return path


def term_from(raw: dict, base: Path) -> Term:
    """The term settings ``raw`` (the ``"term"`` mapping), paths relative to ``base``."""
    if not isinstance(raw, dict) or set(raw) - KEYS:
        raise TermError(f"expected \"term\" to be an object with keys among {sorted(KEYS)}, got "
                        f"term={raw!r}; fix the term settings")
    due = parse_time(raw["due"], what="due") if raw.get("due") else None
    if raw.get("extensions") and due is None:
        raise TermError("expected a due date with the extensions, got due=None; add \"due\"")
    canvas = raw.get("canvas") or {}
    if canvas is True:
        canvas = {}
    if not isinstance(canvas, dict) or set(canvas) - {"assignment", "roster"}:
        raise TermError(f"expected canvas to be an object with assignment and roster, got "
                        f"canvas={canvas!r}")
    similarity = raw.get("similarity")
    if similarity is True:
        similarity = {}
    threshold = None
    if isinstance(similarity, dict):
        threshold = _number(similarity.get("threshold", 0.5), what="similarity threshold",
                            high=1.0)
    elif similarity not in (None, False):
        raise TermError(f"expected similarity to be true or {{\"threshold\": 0.5}}, got "
                        f"similarity={similarity!r}")
    return Term(due=due, policy=_policy(raw.get("late_policy"), due),
                extensions=_file(raw.get("extensions"), base, what="extensions"),
                overrides=_file(raw.get("overrides"), base, what="overrides"),
                canvas="canvas" in raw and raw["canvas"] not in (None, False),
                canvas_assignment=str(canvas.get("assignment") or "lecture16"),
                canvas_roster=_file(canvas.get("roster"), base, what="Canvas roster"),
                similarity=threshold)


def load_term(path: Path | None) -> Term:
    """The ``"term"`` key of the JSON file ``path`` (an empty Term when there is none)."""
    if path is None:
        return Term()
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise TermError(f"expected JSON term settings in {path}, got an error: {e}") from e
    if not isinstance(data, dict) or "term" not in data:
        return Term()
    return term_from(data["term"], path.parent)
