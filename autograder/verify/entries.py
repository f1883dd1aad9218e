"""Write every known submission to a folder: the reference (as .py and as the solutions
notebook), the untouched template, and the catalog's bugs and correct variants.

An entry that replaces functions of the reference is graded on the hidden tests that call a
function reaching a replaced one (the function itself, or one that calls it, directly or through
other functions of the submission). Every other test would run the reference's own code, which
the reference entry grades in full: the functions only such tests need are left out of the
submission, so those tests fail at once, unrun, and the verdict ignores them. ``full=True``
grades every test of every entry.
"""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

import nbformat

from autograder.verify.model import Entry


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def replace_function(module_source: str, new_function: str) -> str:
    """``module_source`` with the top-level functions that ``new_function`` (source text) defines
    replaced: the new text stands where the first of them stood. New helpers (names the module
    lacks) must start with ``_`` (so that a misspelt name cannot slip through)."""
    names = list(_functions(ast.parse(new_function)))
    if not names:
        raise ValueError("expected a function definition")
    old = _functions(ast.parse(module_source))
    unknown = [n for n in names if n not in old and not n.startswith("_")]
    if unknown or not any(n in old for n in names):
        raise ValueError(f"expected {unknown or names} in the module (a new helper's name starts "
                         "with _)")
    lines = module_source.splitlines()
    spans = sorted(((old[n].lineno, old[n].end_lineno) for n in names if n in old), reverse=True)
    for k, (start, end) in enumerate(spans):
        lines[start - 1:end] = new_function.strip("\n").splitlines() if k == len(spans) - 1 else []
    return "\n".join(lines) + "\n"


def _bound(nodes) -> set[str]:
    """Names that these top-level statements bind (imports, defs, assignments), looking into
    try/if blocks."""
    names = set()
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Try, ast.If)):
            names |= _bound(node.body + node.orelse + getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                names |= _bound(handler.body)
    return names


def undefined_names(module_source: str, new_function: str) -> set[str]:
    """The global names that ``new_function`` uses but the module does not define (a helper the
    reference no longer has, say): such an entry would fail with a NameError, not its bug."""
    known = _bound(ast.parse(module_source).body) | set(dir(builtins))
    missing = set()
    for fn in _functions(ast.parse(new_function)).values():
        local = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        local |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, (ast.Store, ast.Del))}
        local |= {n.name for n in ast.walk(fn) if isinstance(n, ast.FunctionDef)}
        missing |= {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)
                    and isinstance(n.ctx, ast.Load) and n.id not in local | known}
    return missing


def call_graph(module_source: str) -> dict[str, set[str]]:
    """Top-level function -> the other top-level functions its body names."""
    functions = _functions(ast.parse(module_source))
    return {name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                   and n.id in functions and n.id != name}
            for name, node in functions.items()}


def _closure(graph: dict[str, set[str]], start) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


def affected_tests(module_source: str, changed, tests) -> tuple[str, ...]:
    """The names of the ``tests`` (HiddenTests) that call a function reaching a ``changed``
    one."""
    graph = call_graph(module_source)
    reaching = {f for f in graph if _closure(graph, [f]) & set(changed)}
    return tuple(t.name for t in tests if reaching & set(t.functions))


def keep_functions(module_source: str, functions) -> str:
    """``module_source`` without the top-level functions that ``functions`` do not need (every
    other statement stays)."""
    tree = ast.parse(module_source)
    needed = _closure(call_graph(module_source), functions)
    lines = module_source.splitlines()
    for node in sorted(tree.body, key=lambda n: n.lineno, reverse=True):
        if isinstance(node, ast.FunctionDef) and node.name not in needed:
            del lines[node.lineno - 1:node.end_lineno]
    return "\n".join(lines) + "\n"


def write_entries(folder: Path, tests, *, full: bool = False, only: str | None = None
                  ) -> list[Entry]:
    """Write every entry under ``folder`` (with ``only``: the entry of that exact name, or the
    entries of that question: its bugs and the correct variants that change one of its
    functions); ``tests``: the HiddenTests that grading runs."""
    from autograder.build.notebook import build_notebook
    from autograder.build.release import solutions_module
    from autograder.build.template import template_text
    from autograder.verify.catalog import BUGS, CORRECT

    folder.mkdir(parents=True, exist_ok=True)
    reference = solutions_module()
    entries = []

    def wanted(name: str, questions: set[str] = frozenset()) -> bool:
        return only is None or only == name or only in questions

    def add(name: str, kind: str, data: str | bytes, suffix: str = ".py", **kw) -> None:
        path = folder / f"{name}{suffix}"
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        entries.append(Entry(name=name, kind=kind, path=path, **kw))

    def changed(name: str, kind: str, source: str, **kw) -> None:
        touched = {t.question for t in tests if set(t.functions) & set(_functions(
            ast.parse(source)))} if kind == "correct" else {kw["question"]}
        if not wanted(name, touched):
            return
        text = replace_function(reference, source)
        missing = undefined_names(text, source)
        if missing:
            raise ValueError(f"expected the names {sorted(missing)} that {name} uses to be "
                             "defined in the reference solution; update the catalog entry")
        if full:
            changed_functions = set(_functions(ast.parse(source)))
            add(name, kind, text, direct=tuple(t.name for t in tests
                                               if set(t.functions) & changed_functions), **kw)
            return
        changed_functions = set(_functions(ast.parse(source)))
        graded = affected_tests(text, changed_functions, tests)
        needed = {f for t in tests if t.name in graded for f in t.functions}
        direct = tuple(t.name for t in tests if set(t.functions) & changed_functions)
        add(name, kind, keep_functions(text, needed), graded=graded, direct=direct, **kw)

    if wanted("reference"):
        add("reference", "reference", reference)
    if wanted("reference-notebook"):
        add("reference-notebook", "reference", nbformat.writes(build_notebook(solutions=True)),
            ".ipynb")
    if wanted("template"):
        add("template", "template", template_text())
    for bug in BUGS:
        changed(f"bug-{bug.name}", "bug", bug.source, question=bug.question,
                description=bug.description, gap=bug.gap, idea=bug.idea_id)
    for correct in CORRECT:
        if correct.render is None:
            changed(f"correct-{correct.name}", "correct", correct.source,
                    description=correct.description)
        elif wanted(f"correct-{correct.name}"):
            add(f"correct-{correct.name}", "correct", correct.render(reference), correct.suffix,
                description=correct.description)
    return entries
