"""Write every known submission to a folder: the reference (as .py and as the solutions
notebook), the untouched template, and the catalog's bugs and correct variants."""
from __future__ import annotations

import ast
from pathlib import Path

from autograder.paths import TEMPLATE
from autograder.verify import Entry


def replace_function(module_source: str, new_function: str) -> str:
    """``module_source`` with the top-level function of the same name replaced by
    ``new_function`` (its source), where the original stood."""
    new_tree = ast.parse(new_function)
    names = [n.name for n in new_tree.body if isinstance(n, ast.FunctionDef)]
    if not names:
        raise ValueError("expected a function definition")
    lines = module_source.splitlines()
    tree = ast.parse(module_source)
    spans = sorted(((n.lineno, n.end_lineno) for n in tree.body
                    if isinstance(n, ast.FunctionDef) and n.name in names), reverse=True)
    if len(spans) != len(names):
        raise ValueError(f"expected {names} in the module")
    for k, (start, end) in enumerate(spans):
        lines[start - 1:end] = new_function.strip("\n").splitlines() if k == len(spans) - 1 else []
    return "\n".join(lines) + "\n"


def write_entries(folder: Path) -> list[Entry]:
    from autograder.build.release import solutions_module
    from autograder.verify.catalog import BUGS, CORRECT

    folder.mkdir(parents=True, exist_ok=True)
    reference = solutions_module()
    entries = []

    def add(name: str, kind: str, text: str, suffix: str = ".py", **kw) -> None:
        path = folder / f"{name}{suffix}"
        path.write_text(text, encoding="utf-8")
        entries.append(Entry(name=name, kind=kind, path=path, **kw))

    add("reference", "reference", reference)
    add("template", "template", TEMPLATE.read_text(encoding="utf-8"))
    for bug in BUGS:
        add(f"bug-{bug.name}", "bug", replace_function(reference, bug.source),
            question=bug.question, description=bug.description)
    for correct in CORRECT:
        text = correct.render(reference)
        add(f"correct-{correct.name}", "correct", text, suffix=correct.suffix,
            description=correct.description)
    return entries
