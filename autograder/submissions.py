"""Which file of a batch entry is the submission: the entry itself when it is a file, else the one
notebook or ``.py`` file in the folder (a cloned GitHub Classroom repository, a folder of
Gradescope's export, a student's folder).

Rules for a folder, in order:

1. Ignored: anything under ``.git``, ``.github``, ``.ipynb_checkpoints``, ``__pycache__``,
   ``__MACOSX`` or the release's ``tests/`` folder, and the release's ``run_checks.py``.
2. A candidate is a ``.ipynb`` or ``.py`` file that defines one of the assignment's functions
   (``def chunk_tokens(`` ...): helper scripts and scratch notebooks are not submissions. When
   no file defines one, every notebook and ``.py`` file is a candidate.
3. An untouched template (every numpy-track function defined once and still raising its "not
   implemented yet" stub) is dropped: a Classroom repository holds both the notebook and
   ``lm_training.py``, and a student works in one of them. When only untouched templates are
   left, nothing is graded ("holds only the untouched template").
4. Stray copies (``lecture16-Copy1.ipynb``, ``Copy of lecture16.ipynb``, ``lecture16 (1).ipynb``)
   are dropped when another candidate remains.
5. One candidate left: it is graded. None: the one ``.zip`` (from ``grader.export()``) if there is
   exactly one, else nothing is graded. Several: nothing is graded; the note names them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.questions import ALL_FUNCTIONS, NUMPY_QUESTIONS

IGNORED_DIRS = {".git", ".github", ".ipynb_checkpoints", "__pycache__", "__MACOSX", "tests"}
IGNORED_FILES = {"run_checks.py"}
MAX_BYTES = 50 * 2 ** 20
STUB = "is not implemented yet"
_DEFINES = re.compile(r"\bdef\s+(" + "|".join(ALL_FUNCTIONS) + r")\s*\(")
_COPY = re.compile(r"[-_ ]copy\d*$|^copy of |\(\d+\)$|-checkpoint$", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """What to grade in an entry: ``path`` (None when nothing can be graded) and a ``note``
    (why nothing, or which of several files was chosen)."""

    path: Path | None
    note: str = ""


def _code(path: Path) -> str:
    """A candidate's Python: a notebook's code cells, a .py file's text ("" if unreadable)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return ""
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return ""
    if path.suffix.lower() != ".ipynb":
        return text
    try:
        cells = json.loads(text)["cells"]
        return "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (ValueError, KeyError, TypeError, AttributeError):
        return text  # damaged: grading will say so


def untouched(code: str) -> bool:
    """Every numpy-track function is defined once, and still raises the template's stub."""
    return all(f"{fn} {STUB}" in code and len(re.findall(rf"\bdef\s+{fn}\s*\(", code)) == 1
               for q in NUMPY_QUESTIONS for fn in q.functions)


def is_copy(path: Path) -> bool:
    return bool(_COPY.search(path.stem.strip()))


def _files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if set(rel.parts[:-1]) & IGNORED_DIRS or rel.name in IGNORED_FILES or not path.is_file():
            continue
        found.append(path)
    return found


def _names(paths: list[Path], folder: Path) -> str:
    return ", ".join(p.relative_to(folder).as_posix() for p in paths)


def find_submission(entry: Path) -> Found:
    """The file to grade in ``entry`` (see the module's rules)."""
    entry = Path(entry)
    if entry.is_file():
        return Found(entry)
    files = _files(entry)
    code = {p: _code(p) for p in files if p.suffix.lower() in (".ipynb", ".py")}
    candidates = [p for p, text in code.items() if _DEFINES.search(text)] or list(code)
    worked = [p for p in candidates if not untouched(code[p])]
    if candidates and not worked:
        return Found(None, f"holds only the untouched template ({_names(candidates, entry)}): "
                           "nothing to grade")
    candidates = worked
    originals = [p for p in candidates if not is_copy(p)]
    if originals and len(originals) < len(candidates):
        candidates = originals
    if len(candidates) == 1:
        chosen = candidates[0]
        note = "" if not is_copy(chosen) else f"graded {_names([chosen], entry)} (a copy)"
        return Found(chosen, note)
    if candidates:
        return Found(None, f"holds {len(candidates)} submissions ({_names(candidates, entry)}): "
                           "keep only the one to grade")
    zips = [p for p in files if p.suffix.lower() == ".zip"]
    if len(zips) == 1:
        return Found(zips[0])
    if zips:
        return Found(None, f"holds no notebook or .py file, and {len(zips)} zip files "
                           f"({_names(zips, entry)}): keep only the one to grade")
    if not files:
        return Found(None, "is empty (no files besides .git)")
    return Found(None, "holds no notebook (.ipynb) or Python file (.py)")
