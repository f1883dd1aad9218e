"""Which files of a submission are graded: the spec's one rule, for every path (Gradescope's
``run_autograder``, ``grade FILE``, ``grade DIR``, the Classroom ``run_checks.py``).

A submission is a ``.ipynb``, a ``.py``, a ``.zip`` holding those, or a folder holding any of
these. The candidates are its notebooks and ``.py`` files that define at least one of the
assignment's functions with a body that is not the template's untouched stub. Each candidate is
graded and the best total counts (the caller does that); with no candidate, the submission is
graded as the untouched template (the first notebook or ``.py`` file), saying so.

Reading is safe: symbolic links are never followed (in folders, in zips, nor the entry itself),
files are opened with ``O_NOFOLLOW`` and must lie inside the entry, a zip is read in memory
(nothing of it is written to disk) with no absolute or ``..`` paths, no links and bounded size
and count. Every input is graded or refused with a note: a member that cannot be used (damaged,
a name twice) is skipped with a note and the rest is graded. Ignored: ``.git``, ``.github``,
checkpoints, caches, the release's ``tests/`` and this rule's own vendored copy, and
``run_checks.py``. Standard library and :mod:`pysource` only (vendored by the build).
"""
from __future__ import annotations

import io
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Sequence

try:
    from . import pysource
except ImportError:  # the vendored copy, imported as a top-level module
    import pysource  # type: ignore[no-redef]

MAX_FILE_BYTES = 50 * 2 ** 20  # one notebook (outputs and images included) or .py file
MAX_FILES = 2000  # files looked at in one entry
MAX_DEPTH = 12  # folder levels
MAX_ZIP_MEMBERS = 500
MAX_ZIP_BYTES = 200 * 2 ** 20  # a zip's contents in all, as extracted
MAX_TOTAL_BYTES = 200 * 2 ** 20  # notebooks and .py files read from one submission in all
MAX_GRADED = 4  # candidates graded (the ones with the most functions written first)
IGNORED_DIRS = {".git", ".github", ".ipynb_checkpoints", "__pycache__", "__MACOSX", "tests",
                "grading_rule", ".venv", "venv", "site-packages", "node_modules"}
IGNORED_FILES = {"run_checks.py"}


class ChoiceError(Exception):
    """Nothing in the submission can be graded; the message says why, for the student."""


@dataclass
class Found:
    """One notebook or ``.py`` file of the submission, read."""

    name: str
    """its path inside the submission, e.g. ``homework.ipynb`` or ``export.zip/solution.py``"""
    size: int = 0
    statements: list = field(default_factory=list)
    error: str = ""
    """why it could not be read ("" when it was)"""
    notes: list[str] = field(default_factory=list)
    """what of it was left out (a notebook cell of a shape nbformat does not write)"""

    @property
    def work(self) -> list[str]:
        return sorted({f for s in self.statements for f in s.work})


@dataclass
class Choice:
    candidates: list[Found]
    """the files to grade (the best total counts); a single untouched file when ``fallback``"""
    fallback: bool = False
    """no file holds work: ``candidates`` is the untouched template, graded to say so"""
    others: list[Found] = field(default_factory=list)
    """files looked at and not graded"""
    notes: list[str] = field(default_factory=list)
    """what was skipped (links, unsafe zip members), for the student"""


# ----------------------------------------------------------------------------- reading safely
def read_nofollow(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, never through a symbolic link; ChoiceError if too large."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        raise ChoiceError(f"{path.name} could not be opened ({e.strerror}); symbolic links are "
                          "not followed") from e
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ChoiceError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise ChoiceError(f"{path.name} is larger than {limit // 2 ** 20} MB")
        return f.read(limit + 1)[:limit]


def _inside(path: Path, root: Path) -> bool:
    try:
        return os.path.realpath(path).startswith(os.path.realpath(root).rstrip(os.sep) + os.sep)
    except OSError:
        return False


def walk(folder: Path, notes: list[str]) -> list[Path]:
    """Regular files under ``folder`` (sorted), no link followed, ignored folders skipped."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        rel = Path(top).relative_to(folder)
        if len(rel.parts) >= MAX_DEPTH:
            dirs[:] = []
        for d in list(dirs):
            if d in IGNORED_DIRS or os.path.islink(os.path.join(top, d)):
                if os.path.islink(os.path.join(top, d)):
                    notes.append(f"skipped {(rel / d).as_posix()}: a symbolic link")
                dirs.remove(d)
        dirs.sort()
        for name in sorted(files):
            path = Path(top) / name
            if os.path.islink(path):
                notes.append(f"skipped {(rel / name).as_posix()}: a symbolic link")
            elif name not in IGNORED_FILES and not name.startswith("._") \
                    and stat.S_ISREG(os.lstat(path).st_mode) and _inside(path, folder):
                found.append(path)
            if len(found) >= MAX_FILES:
                notes.append(f"looked at the first {MAX_FILES} files only")
                return found
    return found


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """A zip member's safe relative path, or None (absolute, ``..``, a drive, a link)."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if not path.parts or name.startswith("/") or ":" in path.parts[0]:
        return None
    if any(part in ("..", "") for part in path.parts):
        return None
    if stat.S_ISLNK(info.external_attr >> 16):
        return None
    return path


def _shown(name: str, limit: int = 80) -> str:
    """A member's name for a note: cut to ``limit`` characters."""
    return name if len(name) <= limit else name[:limit - 3] + "..."


def _graded_member(rel: PurePosixPath) -> bool:
    """A notebook or ``.py`` member outside the ignored folders, as :func:`walk` keeps files."""
    return (rel.suffix.lower() in (".ipynb", ".py") and len(rel.parts) - 1 <= MAX_DEPTH
            and not set(rel.parts[:-1]) & IGNORED_DIRS and rel.name not in IGNORED_FILES
            and not rel.name.startswith("._"))


def zip_members(zip_path: Path, notes: list[str]) -> list[tuple[str, bytes]]:
    """The notebooks and ``.py`` files of the zip at ``zip_path`` as ``(path inside, bytes)``,
    sorted by path, read in memory (no member is written to disk, so no name of a member can
    clash with a file, a folder or the file system's limits). A member that cannot be used is
    skipped with a note in ``notes``: an absolute or ``..`` path, a link, a name that appears
    twice (the last copy is read, as ``unzip`` leaves it), a damaged or unsupported compressed
    body. ChoiceError when the zip itself cannot be read or holds too much."""
    data = read_nofollow(zip_path, MAX_ZIP_BYTES)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except Exception as e:  # noqa: BLE001 (any failure to parse the student's bytes)
        raise ChoiceError(f"{zip_path.name} is not a readable zip file") from e
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ChoiceError(f"{zip_path.name} holds {len(infos)} files, more than the "
                          f"{MAX_ZIP_MEMBERS} the grader reads")
    chosen: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        rel = _member_path(info)
        if rel is None:
            notes.append(f"skipped {zip_path.name}/{_shown(info.filename)}: an absolute or "
                         "'..' path, or a link")
        elif _graded_member(rel):
            if rel.as_posix() in chosen:
                notes.append(f"{zip_path.name}/{_shown(rel.as_posix())} appears more than once "
                             "in the zip: read its last copy")
            chosen[rel.as_posix()] = info
    members: list[tuple[str, bytes]] = []
    total = 0
    with zf:
        for name in sorted(chosen):
            info = chosen[name]
            try:
                with zf.open(info) as src:
                    body = src.read(MAX_FILE_BYTES + 1)
            except Exception as e:  # noqa: BLE001 (zlib, lzma, bz2, CRC, encryption, ...)
                notes.append(f"skipped {zip_path.name}/{_shown(name)}: damaged or compressed in "
                             f"a way the grader cannot read ({type(e).__name__}); zip it again")
                continue
            total += len(body)
            if len(body) > MAX_FILE_BYTES or total > MAX_ZIP_BYTES:
                raise ChoiceError(f"{zip_path.name} holds more than the grader reads "
                                  f"({_shown(name)} and the files before it are too large)")
            members.append((name, body))
    return members


# ----------------------------------------------------------------------------- the rule
def _read(path: Path, name: str, functions: Sequence[str]) -> Found:
    try:
        data = read_nofollow(path)
    except ChoiceError as e:
        return Found(name, error=str(e))
    return _parse(data, name, functions)


def _parse(data: bytes, name: str, functions: Sequence[str]) -> Found:
    found = Found(name, size=len(data))
    try:
        found.statements = pysource.statements(data, PurePosixPath(name).name, functions,
                                               found.notes)
    except pysource.SourceError as e:
        found.error = str(e)
    return found


def _order(found: Found, preferred: Sequence[str]) -> tuple:
    base = PurePosixPath(found.name).name
    return (-len(found.work), preferred.index(base) if base in preferred else len(preferred),
            found.name.count("/"), found.name)


def gather(entry: Path, scratch: Path | None,
           functions: Sequence[str]) -> tuple[list[Found], list[str]]:
    """Every notebook and ``.py`` file of ``entry`` (the members of its zips too), read.
    ``scratch`` is not used (zips are read in memory); it stays for the callers."""
    entry = Path(entry)
    notes: list[str] = []
    if os.path.islink(entry):
        raise ChoiceError(f"{entry.name} is a symbolic link: links are never followed; "
                          "submit the file itself")
    if not entry.exists():
        raise ChoiceError(f"there is no file at {entry}")
    if entry.is_dir():
        root, files = entry, walk(entry, notes)
        if not files and not notes and not any(
                p.name not in IGNORED_DIRS for p in entry.iterdir()):
            raise ChoiceError(f"{entry.name} is empty (no files besides .git)")
    else:
        root, files = entry.parent, [entry]
    found: list[Found] = []
    for path in files:
        if sum(f.size for f in found) > MAX_TOTAL_BYTES:
            notes.append(f"read the first {MAX_TOTAL_BYTES // 2 ** 20} MB of files only")
            break
        rel = path.relative_to(root).as_posix()
        suffix = path.suffix.lower()
        if suffix in (".ipynb", ".py"):
            found.append(_read(path, rel, functions))
        elif suffix == ".zip":
            try:
                members = zip_members(path, notes)
            except ChoiceError as e:
                if not entry.is_dir():
                    raise
                notes.append(str(e))
                continue
            found += [_parse(body, f"{rel}/{name}", functions) for name, body in members]
    return found, notes


def choose(entry: Path, scratch: Path | None, functions: Sequence[str],
           preferred: Sequence[str] = ()) -> Choice:
    """Apply the rule to ``entry`` (a file or folder); ``scratch``: not used (see gather).
    ``functions``: the assignment's function names; ``preferred``: file names graded first
    among candidates with as much work (the assignment's notebook, its template). Raises
    ChoiceError when nothing can be graded (no notebook or .py file, or only unreadable ones)."""
    found, notes = gather(entry, scratch, functions)
    notes = notes + [note for f in found for note in f.notes]
    readable = sorted((f for f in found if not f.error),
                      key=lambda f: _order(f, tuple(preferred)))
    candidates = [f for f in readable if f.work]
    if candidates:
        if len(candidates) > MAX_GRADED:
            notes.append(f"{len(candidates)} files hold work: graded the {MAX_GRADED} with the "
                         "most functions written")
            candidates = candidates[:MAX_GRADED]
        others = [f for f in found if f not in candidates]
        return Choice(candidates, False, others, notes)
    broken = [f for f in found if f.error]
    if broken:  # a file that could not be read may hold the work: say why it could not
        raise ChoiceError(broken[0].error)
    if readable:
        return Choice(readable[:1], True, readable[1:] + broken, notes)
    where = Path(entry).name
    if not Path(entry).is_dir() and Path(entry).suffix.lower() != ".zip":
        raise ChoiceError(f"expected a .ipynb, .py or .zip file, got {where}")
    raise ChoiceError(f"{where} holds no notebook (.ipynb) or Python file (.py)"
                      + (f" ({'; '.join(notes[:3])})" if notes else ""))
