"""Read a submission (``.py``, ``.ipynb``, a ``.zip`` from ``grader.export()``, or a folder holding
one of those) into cells of source text. Only parsing happens here: no student code runs in the
grader. What cannot be read raises :class:`SubmissionError` with a message for the student.

* A notebook: its code cells, minus cells tagged ``skip-grading`` (the "Put it together"
  training), shell and magic lines (``!pip ...``, ``%matplotlib inline``) and cell magics that
  are not Python (``%%bash``). Calls to the otter grader stay: the worker makes them do nothing.
* A ``.py`` file: one cell per top-level statement, so that one failing line (a demo call at the
  bottom) does not take the functions defined around it down with it.
"""
from __future__ import annotations

import ast
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_BYTES = 50 * 2 ** 20  # a submission file, or one file inside a zip
IGNORED_PARTS = {".git", ".ipynb_checkpoints", "__MACOSX", "__pycache__"}
SKIP_TAG = "skip-grading"
NOT_PYTHON_MAGICS = ("%%bash", "%%sh", "%%html", "%%javascript", "%%js", "%%latex", "%%markdown",
                     "%%writefile", "%%script", "%%svg", "%%perl", "%%ruby", "%%capture --no")
PREFERRED_NAMES = ("lecture16.ipynb", "lm_training.py")


class SubmissionError(Exception):
    """The submission cannot be read; the message says why, for the student."""


@dataclass(frozen=True)
class Cell:
    label: str
    """where it comes from, e.g. ``cell 7`` or ``lm_training.py line 12``"""
    source: str


@dataclass(frozen=True)
class Submission:
    name: str
    kind: str  # "notebook" or "python"
    cells: tuple[Cell, ...]

    @property
    def as_main(self) -> bool:
        """Notebooks run as ``__main__`` (as Jupyter does); a .py file's main guard stays off."""
        return self.kind == "notebook"


# ----------------------------------------------------------------------------- text to cells
def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SubmissionError(f"{name} is not UTF-8 text (byte {e.start}); save it as UTF-8 "
                              "(Jupyter and Colab do) and upload it again") from e


def python_cells(source: str, name: str) -> tuple[Cell, ...]:
    try:
        tree = ast.parse(source, filename=name)
    except SyntaxError as e:
        raise SubmissionError(f"{name} has a syntax error at line {e.lineno}: {e.msg}. "
                              "Fix it (the notebook shows it when you run the cell) and upload "
                              "again.") from e
    lines = source.splitlines()
    cells = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[start - 1:node.end_lineno])
        cells.append(Cell(f"{name} line {start}", "\n" * (start - 1) + text))
    return tuple(cells)


def _clean_cell(source: str) -> str | None:
    """A notebook cell's Python, without IPython-only lines; None for a cell that is not Python."""
    stripped = source.lstrip()
    if stripped.startswith(NOT_PYTHON_MAGICS):
        return None
    kept = []
    for line in source.splitlines():
        head = line.lstrip()
        if head.startswith(("%", "!")) or (head.endswith("?") and not head.startswith("#")):
            kept.append("")  # keep line numbers as the student sees them
        else:
            kept.append(line)
    return "\n".join(kept)


def notebook_cells(data: bytes, name: str) -> tuple[Cell, ...]:
    try:
        nb = json.loads(_text(data, name))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError
    except (ValueError, KeyError, TypeError) as e:
        raise SubmissionError(f"{name} is not a readable Jupyter notebook (it is damaged or "
                              "not a notebook). Download it again with File > Download "
                              ".ipynb and upload that file.") from e
    out = []
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        if SKIP_TAG in tags:
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        python = _clean_cell(source)
        if python is not None and python.strip():
            out.append(Cell(f"cell {i}", python))
    if not out:
        raise SubmissionError(f"{name} has no code cells: did you upload the right notebook?")
    return tuple(out)


def from_bytes(data: bytes, name: str) -> Submission:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".ipynb":
        return Submission(name, "notebook", notebook_cells(data, name))
    if suffix == ".py":
        source = _text(data, name)
        if not source.strip():
            raise SubmissionError(f"{name} is empty: upload the file with your functions")
        return Submission(name, "python", python_cells(source, name))
    raise SubmissionError(f"expected a .ipynb, .py or .zip file, got {name}")


# ----------------------------------------------------------------------------- files and folders
def _choose(names: list[str], where: str) -> str:
    """The one notebook (else the one .py file) among ``names``."""
    names = [n for n in names if not (set(PurePosixPath(n).parts) & IGNORED_PARTS)]
    for suffix in (".ipynb", ".py"):
        found = sorted(n for n in names if n.lower().endswith(suffix))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            preferred = [n for n in found if PurePosixPath(n).name in PREFERRED_NAMES]
            if len(preferred) == 1:
                return preferred[0]
            raise SubmissionError(f"{where} holds {len(found)} {suffix} files "
                                  f"({', '.join(found[:5])}): keep only the one to grade")
    raise SubmissionError(f"{where} holds no notebook (.ipynb) or Python file (.py)")


def _from_zip(path: Path) -> Submission:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = {i.filename: i for i in zf.infolist() if not i.is_dir()}
            name = _choose(list(infos), path.name)
            if infos[name].file_size > MAX_BYTES:
                raise SubmissionError(f"{name} in {path.name} is too large")
            data = zf.read(name)
    except (zipfile.BadZipFile, OSError, RuntimeError) as e:
        raise SubmissionError(f"{path.name} is not a readable zip file") from e
    return from_bytes(data, PurePosixPath(name).name)


def load(path: Path) -> Submission:
    """Read the submission at ``path`` (a file, or a folder holding one submission)."""
    path = Path(path)
    if path.is_dir():
        files = [p.relative_to(path).as_posix() for p in sorted(path.rglob("*")) if p.is_file()]
        zips = [f for f in files if f.endswith(".zip") and not set(PurePosixPath(f).parts) & IGNORED_PARTS]
        try:
            path = path / _choose(files, f"the folder {path.name}")
        except SubmissionError:
            if len(zips) != 1:
                raise
            path = path / zips[0]
    if not path.is_file():
        raise SubmissionError(f"there is no file at {path}")
    if path.suffix.lower() == ".zip":
        return _from_zip(path)
    if path.stat().st_size > MAX_BYTES:
        raise SubmissionError(f"{path.name} is larger than {MAX_BYTES // 2 ** 20} MB")
    return from_bytes(path.read_bytes(), path.name)
