"""Times with explicit zones, and when each submission of a batch was made.

A time the instructor writes (the due date, an extension) must say its zone: an ISO 8601 time
with its offset (``2026-12-01T23:59-05:00``, ``...Z``) or a date and time followed by an IANA
zone name (``2026-12-01 23:59 America/New_York``, ``... UTC``). A time without a zone is an
error, never read as the machine's local time.

When a submission was made comes from what the instructor downloaded:

- a Gradescope "Export Submissions" folder: the ``:created_at:`` of the entry in its
  ``submission_metadata.yml`` (Gradescope writes Ruby's ``2026-11-20 10:00:00.123456789 -08:00``);
- a cloned GitHub Classroom repository: the committer date of the commit checked out (``HEAD``),
  as git records it. That date is set by the student's machine (a student can forge it; the time
  of the push is not in a clone): say so when a deadline is disputed.

A missing or unreadable time is a :class:`SubmissionTime` with no ``at`` and a ``note`` that
says why: the late policy is then not applied, and the gradebook says so.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.term.errors import TermError

EXAMPLE = "2026-12-01 23:59 America/New_York or 2026-12-01T23:59-05:00"
_ZONED = re.compile(r"^(?P<when>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
                    r"\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*)$")
_OFFSET = re.compile(r"^(?P<when>\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?::\d{2})?)"
                     r"(?P<frac>\.\d+)?\s*(?P<offset>Z|[+-]\d{2}:?\d{2})$")


def _naive(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("T", " "))


def parse_time(value, *, what: str) -> datetime:
    """``value`` (text, or a datetime with its zone) as an aware datetime; TermError naming
    ``what`` when it has no zone or cannot be read."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TermError(f"expected a time with its zone, got {what}={value.isoformat()!r}; "
                            f"write it as {EXAMPLE}")
        return value
    text = " ".join(str(value or "").split())
    try:
        if m := _OFFSET.match(text):
            frac = (m["frac"] or ".0")[1:7].ljust(6, "0")  # Ruby writes nanoseconds
            offset = "+00:00" if m["offset"] == "Z" else m["offset"]
            sign, digits = offset[0], offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            zone = timezone(delta if sign == "+" else -delta)
            return _naive(m["when"]).replace(microsecond=int(frac), tzinfo=zone)
        if m := _ZONED.match(text):
            zone = timezone.utc if m["zone"].upper() in ("UTC", "Z") else ZoneInfo(m["zone"])
            return _naive(m["when"]).replace(tzinfo=zone)
    except (ValueError, ZoneInfoNotFoundError) as e:
        raise TermError(f"expected a time with its zone ({EXAMPLE}), got {what}={text!r} "
                        f"({e}); fix the date, the time or the zone's name") from e
    raise TermError(f"expected a time with its zone ({EXAMPLE}), got {what}={text!r}; "
                    "add the zone: a time without one is never read as local time")


@dataclass(frozen=True)
class SubmissionTime:
    at: datetime | None
    source: str
    """where ``at`` comes from (``Gradescope export created_at``, ``commit 1a2b3c4``)"""
    note: str = ""
    """why there is no time (empty when there is one)"""


def export_time(info: dict | None, entry: str) -> SubmissionTime:
    """The time of entry ``entry`` of a Gradescope export, from its metadata ``info`` (the
    entry's mapping in submission_metadata.yml, Ruby's colons stripped; None: not listed)."""
    source = "Gradescope export created_at"
    if info is None:
        return SubmissionTime(None, source, f"no submission time: {entry} is not in the "
                                            "export's submission_metadata.yml")
    raw = info.get("created_at")
    if raw in (None, ""):
        return SubmissionTime(None, source, "no submission time: submission_metadata.yml has "
                                            f"no created_at for {entry}")
    try:
        return SubmissionTime(parse_time(raw, what=f"{entry} created_at"), source)
    except TermError:
        return SubmissionTime(None, source, "unreadable submission time: submission_metadata"
                                            f".yml has created_at={str(raw)[:60]!r} for {entry}")


def commit_time(repo: Path) -> SubmissionTime:
    """The committer date of the commit checked out in the repository ``repo``."""
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", f"safe.directory={repo}", "-C", str(repo),
           "log", "-1", "--format=%h %cI", "HEAD"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return SubmissionTime(None, "git commit", f"no submission time: git could not run ({e})")
    parts = done.stdout.split()
    if done.returncode != 0 or len(parts) != 2:
        why = (done.stderr.strip().splitlines() or ["no commit"])[-1][:120]
        return SubmissionTime(None, "git commit", f"no submission time: no commit read ({why})")
    sha, when = parts
    try:
        return SubmissionTime(parse_time(when, what=f"commit {sha} date"), f"commit {sha}")
    except TermError:
        return SubmissionTime(None, f"commit {sha}",
                              f"unreadable submission time: commit {sha} date {when!r}")


def submission_time(entry: Path, export: dict[str, dict] | None) -> SubmissionTime:
    """When the batch entry ``entry`` was submitted: from the Gradescope export's metadata
    (``export``: entry name -> its mapping; None when the batch is no export), else from the
    git repository it is, else a note saying there is none."""
    if export is not None:
        return export_time(export.get(entry.name), entry.name)
    if (entry / ".git").exists():
        return commit_time(entry)
    return SubmissionTime(None, "", "no submission time: neither a Gradescope export's "
                                    "created_at nor a git repository")


def show(at: datetime | None, zone) -> str:
    """``at`` in the due date's zone, to the second, with its offset ('' for None)."""
    return at.astimezone(zone).isoformat(sep=" ", timespec="seconds") if at else ""
