"""``python -m autograder build``: the student release, the solutions, and both autograder zips.

    dist/student/        lecture16.ipynb, lm_training.py, tests/ (public checks), corpus.txt,
                         instructions.txt
    dist/classroom/      the same as a GitHub Classroom template repository: a README for
                         students, run_checks.py, .github/workflows/classroom.yml
    dist/solutions/      lecture16.ipynb executed top to bottom (plots, passing checks),
                         lm_training.py with the reference filled in, the otter export zip,
                         put_it_together.json (the executed "Put it together" figures)
    dist/autograder.zip  for Gradescope (this project's engine and hidden tests)
    dist/otter-autograder.zip   made by ``otter generate`` from the same public checks
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from autograder.build import leaks
from autograder.build.classroom import write_classroom
from autograder.build.export_cell import HELPER_NAME, HELPER_PATH
from autograder.build.figures import FIGURES_NAME, write_figures
from autograder.build.notebook import NOTEBOOK_NAME, build_notebook, write_notebook
from autograder.build.source import module_imports, read_functions, with_helpers
from autograder.build.template import SOLUTIONS_DOCSTRING, template_text
from autograder.paths import ASSIGNMENT, NotACheckout, require_checkout
from autograder.questions import QUESTIONS

CORPUS = ASSIGNMENT / "corpus" / "corpus.txt"
INSTRUCTIONS = ASSIGNMENT / "corpus" / "instructions.txt"


class BuildError(Exception):
    """The release could not be built; the message says what to fix."""


@dataclass
class BuildReport:
    out: Path
    files: list[Path] = field(default_factory=list)
    executed: Path | None = None

    def add(self, path: Path) -> Path:
        self.files.append(path)
        return path


def solutions_module() -> str:
    """``lm_training.py`` with every function filled in from the reference."""
    functions = read_functions()
    defined: set[str] = set()
    parts = [SOLUTIONS_DOCSTRING]
    modules = sorted({functions[f].module for q in QUESTIONS for f in q.functions})
    parts.append("\n".join(line for line in module_imports(modules) if "torch" not in line))
    parts.append("\ntry:  # the torch track is optional\n    import torch\n"
                 "except ImportError:\n    torch = None\n")
    for question in QUESTIONS:
        for fn in with_helpers(list(question.functions), functions, defined):
            parts.append("\n\n" + fn.source + "\n")
    return "\n".join(parts)


def _release_dir(out: Path, name: str, report: BuildReport, notebook, py_text: str) -> Path:
    from autograder.build.public_tests import write_otter_tests

    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "tests").mkdir(parents=True)
    write_notebook(notebook, folder / NOTEBOOK_NAME)
    report.add(folder / NOTEBOOK_NAME)
    report.add(folder / "lm_training.py").write_text(py_text, encoding="utf-8")
    write_otter_tests(folder / "tests")
    report.files += sorted((folder / "tests").glob("*.py"))
    report.add(Path(shutil.copy(HELPER_PATH, folder / HELPER_NAME)))  # the export cell's
    report.add(Path(shutil.copy(CORPUS, folder / "corpus.txt")))
    report.add(Path(shutil.copy(INSTRUCTIONS, folder / "instructions.txt")))
    return folder


def build(out: Path, *, execute: bool = True, zips: bool = True) -> BuildReport:
    """Build everything into ``out``. ``execute=False`` skips running the solutions notebook."""
    try:
        require_checkout("python -m autograder build")
    except NotACheckout as e:
        raise BuildError(str(e)) from e
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = BuildReport(out=out)
    student = _release_dir(out, "student", report, build_notebook(solutions=False),
                           template_text())
    solutions = _release_dir(out, "solutions", report, build_notebook(solutions=True),
                             solutions_module())
    report.files += write_classroom(out / "classroom", student)
    problems = leaks.find_leaks(student) + leaks.find_leaks(out / "classroom")
    if problems:
        raise BuildError("the student release would leak: " + "; ".join(problems[:5]))
    if execute:
        from autograder.build.execute import execute_notebook

        before = set(solutions.iterdir())
        report.executed = execute_notebook(solutions / NOTEBOOK_NAME)
        # what running it leaves is not part of a release: the export cell's
        # lecture16_<time>.zip, otter's .OTTER_LOG
        for left in set(solutions.iterdir()) - before:
            if left.is_dir():
                shutil.rmtree(left)
            else:
                left.unlink()
        report.add(write_figures(report.executed, solutions / FIGURES_NAME))
    if zips:
        from autograder.build.gradescope import write_autograder_zip, write_otter_zip

        report.add(write_autograder_zip(out / "autograder.zip"))
        report.add(write_otter_zip(out / "otter-autograder.zip", student / "tests"))
    return report
