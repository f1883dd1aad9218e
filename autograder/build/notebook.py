"""The student and solutions notebooks, built from small nbformat cell factories.

Layout: intro, the unpack cell (otter, the public checks and the corpus travel inside the
notebook: see ``bundle.py``), the setup cell, then per question its explanation, one cell per
function (a stub, or the reference in the solutions) and a locked ``grader.check`` cell; then
"Put it together" (tagged ``skip-grading``: the autograder does not run it), the optional "Going
further" part (its questions, then its demos, tagged likewise), the optional torch track and its
small GPT (tagged likewise), and the final ``check_all`` / ``export`` cells.
"""
from __future__ import annotations

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.build.bundle import unpack_cell_source
from autograder.build.export_cell import export_cell_source
from autograder.build.source import FunctionSource, module_imports, read_functions, with_helpers
from autograder.build.template import stub
from autograder.build.texts import full_heading, intro_text, question_text
from autograder.paths import ASSIGNMENT
from autograder.engine.pysource import SKIP_LINE, SKIP_TAG
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS, Question

NOTEBOOK_NAME = "lecture16.ipynb"
SKIP_GRADING = SKIP_TAG


# ----------------------------------------------------------------------------- cell factories
def markdown(source: str) -> list[NotebookNode]:
    return [new_markdown_cell(source.strip())]


def code(source: str, *, tags: tuple[str, ...] = (), locked: bool = False) -> list[NotebookNode]:
    """A code cell; one tagged ``skip-grading`` also opens with ``pysource.SKIP_LINE`` (after a
    Colab ``#@title`` line), so that it stays ungraded where an editor drops the tags."""
    source = source.strip()
    if SKIP_GRADING in tags:
        lines = source.split("\n")
        at = 1 if lines[0].replace(" ", "").startswith("#@title") else 0
        source = "\n".join([*lines[:at], SKIP_LINE, *lines[at:]])
    cell = new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    if locked:
        cell.metadata["editable"] = False
        cell.metadata["deletable"] = False
    return [cell]


def check(question: Question) -> list[NotebookNode]:
    return code(f'grader.check("{question.id}")', locked=True)


def unpack_cell(tests: dict[str, str]) -> list[NotebookNode]:
    """Installs otter if missing, writes tests/ and corpus.txt if missing (see bundle.py)."""
    cell = code(unpack_cell_source(tests), tags=(SKIP_GRADING,), locked=True)[0]
    cell.metadata["jupyter"] = {"source_hidden": True}  # collapsed in JupyterLab
    return [cell]


def setup_cell(imports: list[str]) -> list[NotebookNode]:
    lines = ["# Run this cell next: it imports numpy and loads the public checks (grader.check).",
             *imports, "", "import otter", 'grader = otter.Notebook(tests_dir="tests")']
    return code("\n".join(lines), locked=True)


def function_cells(question: Question, functions: dict[str, FunctionSource], solutions: bool,
                   defined: set[str]) -> list[NotebookNode]:
    cells: list[NotebookNode] = []
    for name in question.functions:
        if solutions:
            parts = with_helpers([name], functions, defined)
            cells += code("\n\n\n".join(fn.source for fn in parts))
        else:
            cells += code(stub(functions[name], question))
    return cells


def question_cells(question: Question, functions, solutions: bool, defined: set[str]):
    return [*markdown(question_text(question)),
            *function_cells(question, functions, solutions, defined),
            *check(question)]


def put_it_together_cells(names: tuple[str, ...] | None = None) -> list[NotebookNode]:
    """The cells of the percent-format files ``names`` (default: the whole "Put it together"
    section, ``PUT_IT_TOGETHER``), their code cells tagged ``skip-grading``."""
    from assignments.lecture16.cells import PUT_IT_TOGETHER, section_cells

    cells: list[NotebookNode] = []
    for kind, source in section_cells(PUT_IT_TOGETHER if names is None else names):
        cells += markdown(source) if kind == "markdown" else code(source, tags=(SKIP_GRADING,))
    return cells


def going_further_cells(functions, solutions: bool, defined: set[str]) -> list[NotebookNode]:
    """The optional "Going further" part: its introduction, its questions (graded as extra
    credit), then its demos (``GOING_FURTHER``, tagged ``skip-grading``)."""
    from assignments.lecture16.cells import GOING_FURTHER

    cells = markdown((ASSIGNMENT / "going_further.md").read_text(encoding="utf-8"))
    for question in FURTHER_QUESTIONS:
        cells += question_cells(question, functions, solutions, defined)
    return cells + put_it_together_cells(GOING_FURTHER)


def torch_setup_cell(imports: list[str]) -> list[NotebookNode]:
    guarded = "\n".join("    " + line for line in imports)
    return code("try:\n" + guarded + "\nexcept ImportError:\n"
                "    torch = None\n"
                '    print("PyTorch is not installed here: the optional torch track will not '
                'run.")')


def final_cells() -> list[NotebookNode]:
    return [
        *markdown("## Submit\n\nRun every public check once more, then export your notebook: "
                  "the last cell (collapsed) writes a `.zip` of the notebook you are running "
                  "(it calls `export_notebook.py`, which came with this notebook). Upload that "
                  "`.zip` (or the `.ipynb` itself) to Gradescope. Save the notebook first "
                  "(File > Save): the export takes the notebook as it is on disk.\n\n"
                  "On Colab, `grader.export` does not work: download the notebook instead "
                  "(File > Download > Download .ipynb) and upload that file. With GitHub "
                  "Classroom, commit and push the notebook to your assignment repository (from "
                  "Colab: File > Save a copy in GitHub)."),
        *code("grader.check_all()", locked=True),
        *export_cell(),
    ]


def export_cell() -> list[NotebookNode]:
    """One line into the shipped helper (``export_cell.py``), collapsed and not graded."""
    cell = code(export_cell_source(), tags=(SKIP_GRADING,), locked=True)[0]
    cell.metadata["jupyter"] = {"source_hidden": True}  # collapsed in JupyterLab
    return [cell]


def build_notebook(solutions: bool = False, tests: dict[str, str] | None = None) -> NotebookNode:
    """The notebook; ``tests`` (``{"q1_chunking.py": text}``, default: the public checks) travel
    inside it."""
    from autograder.build.public_tests import otter_test_texts

    functions = read_functions()
    numpy_modules = sorted({functions[f].module for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS
                            for f in q.functions})
    torch_modules = sorted({functions[f].module for q in TORCH_QUESTIONS for f in q.functions})
    defined: set[str] = set()
    cells = [*markdown(intro_text()),
             *unpack_cell(otter_test_texts() if tests is None else tests),
             *setup_cell(module_imports(numpy_modules))]
    for question in NUMPY_QUESTIONS:
        cells += question_cells(question, functions, solutions, defined)
    cells += put_it_together_cells()
    cells += going_further_cells(functions, solutions, defined)
    cells += markdown((ASSIGNMENT / "torch_track.md").read_text(encoding="utf-8"))
    torch_imports = [line for line in module_imports(torch_modules)
                     if line not in module_imports(numpy_modules)]
    cells += torch_setup_cell(torch_imports)
    for question in TORCH_QUESTIONS:
        cells += [*markdown(full_heading(question)),
                  *function_cells(question, functions, solutions, defined), *check(question)]
    from assignments.lecture16.cells import TORCH_GPT

    cells += put_it_together_cells(TORCH_GPT)
    cells += final_cells()
    for i, cell in enumerate(cells):  # stable ids: the same sources build the same notebook
        cell.id = f"cell-{i:03d}"
    nb = new_notebook(cells=cells)
    nb.metadata.update(kernel_metadata())
    return nb


def kernel_metadata() -> dict:
    """``kernelspec`` and ``language_info`` as JupyterLab writes them when the kernel starts
    (ipykernel's default spec and its ``language_info``): a notebook that holds them already is
    not marked modified on open (JupyterLab sets each, and marks the notebook dirty, only when
    it differs). ``version`` is the build's Python (a kernel on another version changes it)."""
    from ipykernel.ipkernel import IPythonKernel

    return {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                           "language": "python"},
            "language_info": dict(IPythonKernel.language_info)}


def write_notebook(nb: NotebookNode, path) -> None:
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
