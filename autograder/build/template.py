"""The student template: every spec function's signature and docstring, solution stripped.

Generated from the reference in memory (:func:`template_text`), never committed: the build writes
it into the student release (``dist/student/lm_training.py``) and the Classroom repository;
``verify``'s template entry and the similarity report read the text, and a test that needs a
file writes one with :func:`write_template`.
"""
from __future__ import annotations

import functools
import textwrap
from pathlib import Path

from autograder.assignment import TEMPLATE as TEMPLATE_NAME
from autograder.build.source import FunctionSource, read_functions
from autograder.questions import QUESTIONS, Question

STUDENT_DOCSTRING = '''"""Lecture 16, "Training transformer models": the functions you write.

Every function below raises NotImplementedError until you write its body; the error names the
section of the notebook (lecture16.ipynb) that explains it. Keep every name and signature: the
autograder calls the functions exactly like this. Use numpy only (the optional torch track at
the end uses PyTorch), and never modify an input: return new arrays.

Work in this file or in the notebook, not in both: they hold the same functions. Submit the one
you worked in. The public checks run in the notebook (grader.check("q1_chunking"), ...) or, in
a GitHub Classroom repository, with `python run_checks.py`. Your grade comes from hidden tests
that compare your functions with a reference solution on many generated inputs (empty
documents, huge logits, float32 inputs...): passing the public checks is a good sign, not a
guarantee, so test your own edge cases too.
"""
'''

SOLUTIONS_DOCSTRING = '''"""Lecture 16, "Training transformer models": the reference solution.

For instructors only: every function of the assignment, filled in from the reference. Do not
hand this file out.
"""
'''

IMPORTS = '''import math

import numpy as np

try:  # the torch track is optional
    import torch
except ImportError:
    torch = None
'''

HEADER = STUDENT_DOCSTRING + IMPORTS


def section_heading(question: Question) -> str:
    """The heading of the notebook section that teaches ``question``, without its trailing
    ``(`id`, N points)`` (``build/texts.py`` writes the headings from the question table)."""
    from autograder.build.texts import heading

    return heading(question)


def stub(fn: FunctionSource, question: Question) -> str:
    """A function with its signature and docstring and a body that points to the notebook
    section that teaches it."""
    indent = " " * 4
    message = (f"{fn.name} is not implemented yet: see the notebook section "
               f"'{section_heading(question)}' ({question.id})")
    body = textwrap.indent(f"# YOUR CODE HERE\nraise NotImplementedError({message!r})", indent)
    return f"{fn.header}\n{fn.docstring}\n{body}\n"


def question_stubs(question: Question, functions: dict[str, FunctionSource]) -> list[str]:
    return [stub(functions[name], question) for name in question.functions]


@functools.cache
def template_text() -> str:
    """The student template, generated from the reference (once per process)."""
    functions = read_functions()
    parts = [HEADER]
    for question in QUESTIONS:
        banner = f"# {'=' * 70}\n# {question.id}: {question.title}"
        if question.track == "torch":
            banner += " (optional torch track)"
        elif question.track == "further":
            banner += " (optional: going further)"
        parts.append(f"\n\n{banner}\n# {'=' * 70}\n")
        parts.append("\n\n".join(question_stubs(question, functions)))
    return "".join(parts).rstrip() + "\n"


def write_template(folder: Path) -> Path:
    """Write the student template into ``folder`` as ``lm_training.py``; its path."""
    path = Path(folder) / TEMPLATE_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(template_text(), encoding="utf-8")
    return path
