"""A submission's Python, statement by statement, as Jupyter's Run All would run it.

Used by the grader (through ``loader.py``), by the file rule (``choose.py``) and, vendored by the
build into the GitHub Classroom repository, by ``run_checks.py``: standard library and IPython
only, no other import from this project.

* A notebook: its code cells in order, without the cells that are not graded (tagged
  ``skip-grading``, or opening with the :data:`SKIP_LINE` comment the build writes into them,
  for editors that drop tags: Colab's downloads keep no cell tags). Each cell goes
  through IPython's own input transformation (``TransformerManager.transform_cell``, what the
  kernel runs), so ``!cmd``, ``%magic``, ``x?`` and ``%%magic`` become ``get_ipython()`` calls
  and every other line is kept exactly. Those calls are then dropped (shell and magic commands
  are not run), the bodies of cell magics that only time or capture (``%%time``, ``%%capture``)
  are read as cells of their own, and the calls of otter's grader (``grader.check(...)``,
  ``grader.export(...)``) are dropped.
* A ``.py`` file: its text, as Python reads it (a BOM and CRLF line ends are fine).

Each top-level statement becomes a :class:`Statement` that keeps its line number in its cell
(the worker compiles it with ``ast.increment_lineno``: no padding), so one failing statement
costs only what depends on it. Sizes are capped (:data:`MAX_CELLS`, :data:`MAX_STATEMENTS`,
:data:`MAX_CODE_CHARS`): a bigger submission raises :class:`SourceError`.
"""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Sequence

MAX_CELLS = 2000
MAX_STATEMENTS = 5000
MAX_CODE_CHARS = 2_000_000  # Python text in all; the student notebook holds about 60,000
SKIP_TAG = "skip-grading"
SKIP_LINE = "# skip-grading: the autograder does not run this cell"
"""the comment line the build puts at the top of every ``skip-grading`` cell (after a Colab
``#@title`` line); a cell whose opening comments hold a line starting ``# skip-grading`` is left
out even when its tags are lost"""
SKIP_PREFIX = SKIP_LINE.split(":")[0]  # "# skip-grading"
RUN_BODY_MAGICS = {"time", "timeit", "capture", "prun"}  # cell magics whose body is Python
OTTER_NAMES = {"grader"}  # otter.Notebook() instances, found by name or by assignment


class SourceError(Exception):
    """The submission cannot be read as Python; the message says why, for the student."""


@dataclass(frozen=True)
class Statement:
    """One top-level statement (or a few sharing a line) of a cell or file."""

    label: str
    """where it is, for the student: ``cell 7, line 3`` or ``solution.py line 12``"""
    source: str
    """its text; its first line is line ``line`` of its cell"""
    line: int
    """1-based line in its cell (file) where it starts"""
    cell: int
    """1-based index among all of the notebook's cells (0 for a .py file)"""
    binds: tuple[str, ...] = ()
    """the top-level names it binds (defs, imports, assignments)"""
    work: tuple[str, ...] = ()
    """the given functions it defines with a body that is not the template's stub"""

    @property
    def first_line(self) -> str:
        return self.source.lstrip("\n").split("\n", 1)[0].strip()[:120]


# ------------------------------------------------------------------------- what a statement does
def _is_stub(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The template's body: an optional docstring, then only ``raise NotImplementedError(...)``."""
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _top_level(node: ast.AST):
    """``node`` and the nodes it runs at module level (not inside a def, class or lambda);
    iterative, so that a deeply nested expression cannot exhaust the grader's stack."""
    stack = [node]
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _binds_and_work(node: ast.stmt,
                    functions: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    binds, work = [], []
    for sub in _top_level(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            binds.append(sub.name)
            if sub.name in functions and not (isinstance(sub, ast.ClassDef) or _is_stub(sub)):
                work.append(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            binds += [(a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*"]
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            binds.append(sub.id)
            if sub.id in functions:
                work.append(sub.id)  # cross_entropy = my_cross_entropy
    return tuple(dict.fromkeys(binds)), tuple(dict.fromkeys(work))


def _ipython_call(node: ast.stmt) -> ast.Call | None:
    """``get_ipython().method(...)`` as a whole statement, else None."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) \
                and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython":
            return node.value
    return None


def _otter_names(tree: ast.Module) -> set[str]:
    """Names assigned ``otter.Notebook(...)`` (or ``Notebook(...)``) in this cell."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "Notebook":
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def _is_grader_call(node: ast.stmt, otter: set[str]) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id in otter


# ----------------------------------------------------------------------------- text to statements
_PROMPTS = (">>>", "...", "In [")


def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _at_margin(text: str) -> bool:
    """Whether IPython's input transformation leaves ``text`` as it is when it is Python:
    its first line is code at the left margin. (IPython strips leading blank lines, a common
    indent and ``>>>``/``In [n]:`` prompts; the rest of its syntax (magics, ``!``, ``?``) is
    not Python.) Such a cell is read as it is, without importing IPython."""
    first = text.split("\n", 1)[0]
    return bool(first.strip()) and not first[:1].isspace() and not first.startswith(_PROMPTS)


class _Reader:
    """Collects statements of one submission, counting toward the caps."""

    def __init__(self, name: str, functions: frozenset[str]):
        self.name, self.functions = name, functions
        self.statements: list[Statement] = []
        self.otter = set(OTTER_NAMES)
        self.chars = 0
        self._transform = None

    def _ipython(self, text: str) -> str:
        if self._transform is None:  # imported on the first cell that needs it (0.1 s)
            from IPython.core.inputtransformer2 import TransformerManager

            self._transform = TransformerManager().transform_cell
        try:
            return self._transform(text)
        except Exception:  # noqa: BLE001 (IPython could not read it: Python will say why)
            return text

    def _add(self, label: str, source: str, line: int, cell: int, node: ast.stmt | None) -> None:
        if len(self.statements) >= MAX_STATEMENTS:
            raise SourceError(f"{self.name} has more than {MAX_STATEMENTS} top-level statements, "
                              "more than the grader reads: upload the assignment's notebook or "
                              ".py file, with your functions")
        binds, work = _binds_and_work(node, self.functions) if node is not None else ((), ())
        self.statements.append(Statement(label, source, line, cell, binds, work))

    def code(self, text: str, *, cell: int, offset: int = 0, ipython: bool) -> None:
        """Read ``text`` (a cell, or a cell magic's body starting ``offset`` lines in)."""
        self.chars += len(text)
        if self.chars > MAX_CODE_CHARS:
            raise SourceError(f"{self.name} holds more than {MAX_CODE_CHARS:,} characters of "
                              "code, more than the grader reads: upload the assignment's "
                              "notebook or .py file, with your functions")
        tree = _parsed(text) if not ipython or _at_margin(text) else None
        python = text
        if tree is None and ipython:
            python = self._ipython(text)
            tree = _parsed(python)

        def where(n: int) -> str:
            return f"cell {cell}, line {n}" if cell else f"{self.name} line {n}"

        if tree is None:  # the worker compiles it and reports the error; nothing in it is defined
            self._add(where(offset + 1), python, offset + 1, cell, None)
            return
        self.otter |= _otter_names(tree)
        lines = python.split("\n")
        groups: list[list[ast.stmt]] = []
        for node in tree.body:  # statements sharing a line (a = 1; b = 2) stay together
            if groups and node.lineno <= groups[-1][-1].end_lineno:
                groups[-1].append(node)
            else:
                groups.append([node])
        for group in groups:
            self._group(group, lines, cell=cell, offset=offset, where=where)

    def _group(self, group: list[ast.stmt], lines: list[str], *, cell: int, offset: int,
               where) -> None:
        if len(group) == 1:
            magic = _ipython_call(group[0])
            if magic is not None:
                self._magic(magic, cell=cell, offset=offset + group[0].lineno)
                return
            if _is_grader_call(group[0], self.otter):
                return
        start = min([group[0].lineno] + [d.lineno for d in getattr(group[0], "decorator_list", [])])
        text = "\n".join(lines[start - 1:group[-1].end_lineno])
        node = group[0] if len(group) == 1 else ast.Module(body=group, type_ignores=[])
        self._add(where(offset + start), text, offset + start, cell, node)

    def _magic(self, call: ast.Call, *, cell: int, offset: int) -> None:
        """A shell or magic command: not run; the body of ``%%time``-like cells is read."""
        method = call.func.attr if isinstance(call.func, ast.Attribute) else ""
        args = [a.value for a in call.args if isinstance(a, ast.Constant)]
        if method == "run_cell_magic" and len(args) == 3 and args[0] in RUN_BODY_MAGICS:
            self.code(str(args[2]), cell=cell, offset=offset, ipython=True)


def not_graded(cell: dict) -> bool:
    """A code cell the grader leaves out: tagged ``skip-grading``, or one of its opening comment
    lines starts with ``# skip-grading`` (:data:`SKIP_LINE`)."""
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None  # any other shape: none
    if isinstance(tags, list) and SKIP_TAG in tags:
        return True
    for line in (_cell_source(cell) or "").splitlines():
        line = line.strip()
        if line.startswith(SKIP_PREFIX):
            return True
        if line and not line.startswith("#"):
            return False
    return False


def _cell_source(cell: dict) -> str | None:
    """A cell's text: a string, or a list of strings joined (nbformat's two shapes); None for
    any other shape (a number, an object, a list holding something that is not a string)."""
    source = cell.get("source", "")
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return None


def notebook_statements(text: str, name: str, functions: Sequence[str] = (),
                        notes: list[str] | None = None) -> list[Statement]:
    """The statements of a notebook's JSON ``text`` (see the module's docstring). What can be
    read is read: a cell of a shape nbformat does not write (not an object, a source that is not
    text) is left out with a line in ``notes``; metadata of another shape means no tags."""
    notes = [] if notes is None else notes
    try:
        nb = json.loads(text)
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        raise SourceError(f"{name} is not a readable Jupyter notebook (it is damaged, nested "
                          "too deeply, or not a notebook). Download it again with File > "
                          "Download .ipynb and upload that file.") from e
    if len(cells) > MAX_CELLS:
        raise SourceError(f"{name} has {len(cells)} cells, more than the {MAX_CELLS} the grader "
                          "reads: upload the assignment's notebook")
    reader = _Reader(name, frozenset(functions))
    code_cells = 0
    for i, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            notes.append(f"{name}: cell {i} is not a notebook cell (a JSON object): not run")
            continue
        if cell.get("cell_type") != "code" or not_graded(cell):
            continue
        source = _cell_source(cell)
        if source is None:
            notes.append(f"{name}: cell {i}'s source is neither text nor a list of lines of "
                         "text: not run")
            continue
        code_cells += 1
        reader.code(source, cell=i, ipython=True)
    if not code_cells:
        raise SourceError(f"{name} has no code cells: did you upload the right notebook?")
    return reader.statements


def python_statements(text: str, name: str,
                      functions: Sequence[str] = ()) -> list[Statement]:
    """The statements of a ``.py`` file's ``text`` (a syntax error raises SourceError)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError(f"{name} is empty: upload the file with your functions")
    try:
        ast.parse(text)
    except SyntaxError as e:
        raise SourceError(f"{name} has a syntax error at line {e.lineno}: {e.msg}. Fix it "
                          "(Python shows it when you run the file) and upload again.") from e
    except (ValueError, RecursionError, MemoryError) as e:
        raise SourceError(f"{name} could not be read as Python ({type(e).__name__})") from e
    reader = _Reader(name, frozenset(functions))
    reader.code(_without_ungraded_cells(text), cell=0, ipython=False)
    return reader.statements


CELL_MARK = re.compile(r"# (In\[[ 0-9]*\]:|%%)")
"""a cell's first line in a notebook saved as a script: Jupyter's ``# In[ ]:``, ``# %%``"""


def _without_ungraded_cells(text: str) -> str:
    """A notebook saved as a script (Jupyter's export, the percent format) without the cells
    that open with :data:`SKIP_LINE`, as a notebook's are left out: their lines become blank
    lines (line numbers kept). Any other text is returned as it is, and so is one whose
    remaining lines would not parse."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if CELL_MARK.match(line)]
    if not starts:
        return text
    kept = list(lines)
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        for line in lines[start + 1:end]:
            line = line.strip()
            if line.startswith(SKIP_PREFIX):
                kept[start + 1:end] = [""] * (end - start - 1)
                break
            if line and not line.startswith("#"):
                break
    out = "\n".join(kept)
    try:
        ast.parse(out)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text
    return out


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM allowed), or SourceError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{name} is not UTF-8 text (byte {e.start}); save it as UTF-8 "
                          "(Jupyter and Colab do) and upload it again") from e


def statements(data: bytes, name: str, functions: Sequence[str] = (),
               notes: list[str] | None = None) -> list[Statement]:
    """The statements of a ``.ipynb`` or ``.py`` file's bytes; what was left out of a notebook
    goes to ``notes`` (when given)."""
    text = decode(data, name)
    if name.lower().endswith(".ipynb"):
        return notebook_statements(text, name, functions, notes)
    return python_statements(text, name, functions)
