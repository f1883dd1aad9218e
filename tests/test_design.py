"""docs/DESIGN.md describes the code as it is: its layout names every module under autograder/
and every file a question folder holds, and nothing that is gone."""
from __future__ import annotations

import re

from autograder.paths import ROOT
from autograder.questions import QUESTIONS

DESIGN = ROOT / "docs" / "DESIGN.md"
SKIP = {"__init__.py"}
"""a package's __init__ is named by its folder"""


def layout_paths() -> set[str]:
    """The paths the layout block names: two spaces per folder level, a folder ends with "/"."""
    text = DESIGN.read_text(encoding="utf-8")
    block = text[text.index("## Layout"):]
    block = block[block.index("```") + 3:]
    block = block[:block.index("```")]
    found, folders = set(), []
    for line in block.splitlines():
        if not line.strip() or line.startswith(" " * 28):  # empty, or a description continued
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        names = re.split(r",\s*", line.strip().split("  ")[0].strip().rstrip(","))
        folders = folders[:depth]
        for name in names:
            if name.endswith("/"):
                found.add("".join(folders) + name)
                folders = folders + [name]
            elif name:
                found.add("".join(folders) + name)
    return found


def test_every_module_under_autograder_is_in_the_layout():
    named = layout_paths()
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "autograder").rglob("*.py")
               if "__pycache__" not in p.parts and p.name not in SKIP
               and "files" not in p.relative_to(ROOT / "autograder").parts}
    missing = sorted(modules - named)
    assert not missing, f"expected docs/DESIGN.md's layout to name {missing}"
    gone = sorted(p for p in named if p.startswith("autograder/") and p.endswith(".py")
                  and not (ROOT / p).is_file())
    assert not gone, f"expected docs/DESIGN.md's layout to name only what exists, got {gone}"


def test_the_question_folder_convention_is_in_the_layout():
    named = {p.split("<id>/")[1] for p in layout_paths() if "/questions/<id>/" in p} - {""}
    held = {p.name for q in QUESTIONS for p in q.folder.iterdir()
            if p.is_file() and p.name not in SKIP and p.suffix in (".py", ".md")}
    assert held <= named, f"expected docs/DESIGN.md to describe {sorted(held - named)}"
    assert named <= held | {"catalog.py"}, sorted(named - held)


def test_the_layout_parser_reads_nesting():
    named = layout_paths()
    assert {"autograder/engine/runner.py", "autograder/verify/catalog/kinds.py",
            "assignments/lecture16/questions/<id>/hidden.py", "reference/xent.py"} <= named


# ----------------------------------------------------------------------------- sizes
MAX_LINES = 400
MAX_METHODS = 15


def _sizes() -> dict[str, list[str]]:
    """Every module under autograder/ (the worker script included: it is written by hand) ->
    what in it is over a limit, in words."""
    import ast

    over = {}
    for path in sorted((ROOT / "autograder").rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        name, text = path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")
        found = []
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            found.append(f"{name} has {lines} lines (at most {MAX_LINES})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                methods = [f for f in node.body
                           if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
                if len(methods) > MAX_METHODS:
                    found.append(f"{name}: class {node.name} has {len(methods)} methods (at "
                                 f"most {MAX_METHODS})")
        over[name] = found
    return over


def test_no_module_is_too_long_and_no_class_has_too_many_methods():
    sizes = _sizes()
    over = [line for found in sizes.values() for line in found]
    assert not over, ("expected every module under autograder/ to be at most "
                      f"{MAX_LINES} lines and every class to have at most {MAX_METHODS} methods, "
                      "got: " + "; ".join(over) + "; the fix: split it along its concerns "
                      "(and name the new modules in docs/DESIGN.md)")
