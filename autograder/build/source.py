"""Read the reference's functions as source text (parsed, never imported: no torch needed).

The student template and the notebooks are made from this: a spec function's signature and
docstring (for the stubs) or its whole source plus the private helpers it uses (for solutions).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import REFERENCE


class SourceError(Exception):
    """The reference does not follow the rules the build relies on (see docs/DESIGN.md)."""


@dataclass(frozen=True)
class FunctionSource:
    name: str
    module: str
    """module file stem, e.g. ``xent``"""
    header: str
    """the ``def ...:`` line(s), unindented"""
    docstring: str
    """the docstring literal as written (quotes included), indented like the body"""
    source: str
    """the whole function"""
    calls: tuple[str, ...]
    """names of other top-level reference functions it uses (spec functions and helpers)"""


def _module_files(reference_dir: Path) -> list[Path]:
    return sorted(p for p in reference_dir.glob("*.py") if p.name != "__init__.py")


def read_functions(reference_dir: Path = REFERENCE) -> dict[str, FunctionSource]:
    """Every top-level function of every reference module, by name."""
    parsed = {}
    for path in _module_files(reference_dir):
        text = path.read_text(encoding="utf-8")
        parsed[path.stem] = (text.splitlines(), ast.parse(text, filename=str(path)))
    top_level = {node.name for _, tree in parsed.values() for node in tree.body
                 if isinstance(node, ast.FunctionDef)}
    functions = {}
    for module, (lines, tree) in parsed.items():
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            if node.decorator_list:
                raise SourceError(f"expected undecorated functions in reference/{module}.py, "
                                  f"got a decorator on {node.name}; move it into the body")
            first = node.body[0]
            has_doc = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                       and isinstance(first.value.value, str))
            if not has_doc and not node.name.startswith("_"):
                raise SourceError(f"expected a docstring on reference/{module}.py:{node.name}")
            body_start = first.lineno if has_doc else node.body[0].lineno
            header = "\n".join(lines[node.lineno - 1:body_start - 1])
            docstring = "\n".join(lines[first.lineno - 1:first.end_lineno]) if has_doc else ""
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            calls = tuple(sorted((used & top_level) - {node.name}))
            functions[node.name] = FunctionSource(
                name=node.name, module=module, header=header, docstring=docstring,
                source="\n".join(lines[node.lineno - 1:node.end_lineno]), calls=calls)
    return functions


def module_imports(modules: list[str], reference_dir: Path = REFERENCE) -> list[str]:
    """The absolute import lines of the given reference modules (relative ones are dropped:
    in a notebook every function shares one namespace)."""
    seen: list[str] = []
    for module in modules:
        tree = ast.parse((reference_dir / f"{module}.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                if isinstance(node, ast.ImportFrom) and node.level:
                    continue
                line = ast.unparse(node)
                if line not in seen and line != "from __future__ import annotations":
                    seen.append(line)
    return seen


def with_helpers(names: list[str], functions: dict[str, FunctionSource],
                 already: set[str]) -> list[FunctionSource]:
    """The named functions preceded by the private helpers they need (depth first), leaving out
    anything in ``already`` (which is updated)."""
    ordered: list[FunctionSource] = []

    def visit(name: str) -> None:
        if name in already:
            return
        already.add(name)
        fn = functions[name]
        for dep in fn.calls:
            if dep.startswith("_"):
                visit(dep)
        ordered.append(fn)

    for name in names:
        visit(name)
    return ordered
