"""Look through a student release (or a Classroom template repository) for reference code and
hidden-test content: in every text file, in notebook cells, the bundles they carry and notebook
metadata."""
from __future__ import annotations

import ast
import json
from pathlib import Path

from autograder.build.source import read_functions
from autograder.paths import ROOT

HIDDEN = ROOT / "autograder" / "hidden"


def hidden_files() -> list[Path]:
    """The hidden-test framework's modules and each question folder's hidden tests and ideas."""
    folders = sorted(path for name in ("hidden.py", "question.py")
                     for path in (ROOT / "assignments").rglob(name))
    return [*sorted(HIDDEN.glob("*.py")), *folders]

MIN_LINE = 24  # shorter lines (``return out``, ``import numpy as np``) are too common to tell


def _body_lines(source: str) -> list[str]:
    """The statements of a function's body (docstring excluded), one stripped line each."""
    node = ast.parse(source).body[0]
    body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
    lines = source.splitlines()
    start = body[0].lineno - node.lineno if body else len(lines)
    return [line.strip() for line in lines[start:]]


def secret_lines() -> dict[str, str]:
    """Distinctive lines of the reference's function bodies and of the hidden tests."""
    secrets = {}
    functions = read_functions().values()
    # the docstrings (formulas included) are meant for students: a body line that repeats one is
    # not a secret
    shipped = "\n".join(fn.docstring for fn in functions)
    for fn in functions:
        for line in _body_lines(fn.source):
            if len(line) >= MIN_LINE and line not in shipped:
                secrets[line] = f"reference {fn.module}.{fn.name}"
    for path in hidden_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if len(line) >= 40 and not line.startswith(("#", "import ", "from ")):
                secrets[line] = f"hidden test {path.parent.name}/{path.name}"
    return secrets


def _release_text(path: Path) -> str:
    """The text to search: for a notebook, its cells, the bundles they carry (decoded) and its
    metadata (where otter keeps tests stored in a notebook)."""
    if path.suffix == ".ipynb":
        from autograder.build.bundle import find_bundles

        nb = json.loads(path.read_text(encoding="utf-8"))
        parts = []
        for cell in nb["cells"]:
            source = "".join(cell.get("source", ""))
            parts.append(source)
            for bundle in find_bundles(source):
                parts += [*bundle["files"].values(), bundle["corpus_generator"]]
        parts += _strings(nb.get("metadata", {}))
        return "\n".join(parts)
    return path.read_text(encoding="utf-8", errors="replace")


def _strings(value) -> list[str]:
    """Every string inside a JSON value (metadata may hold test files as strings)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def find_leaks(release: Path) -> list[str]:
    """One line per leak found in the files under ``release`` (empty when clean)."""
    problems = []
    files = sorted(p for p in release.rglob("*") if p.is_file())
    for path in files:
        rel = path.relative_to(release)
        if set(rel.parts[:-1]) & {"reference", "hidden", "autograder"} or path.suffix == ".zip":
            problems.append(f"{rel} should not be in the student release")
    secrets = secret_lines()
    for path in files:
        if path.suffix not in (".py", ".ipynb", ".md", ".txt", ".json", ".yml", ".yaml"):
            continue
        text = _release_text(path)
        for line, origin in secrets.items():
            if line in text:
                problems.append(f"{path.relative_to(release)} contains a line of the {origin}: "
                                f"{line[:60]!r}")
    return problems
