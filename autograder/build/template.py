"""The student template: every spec function's signature and docstring, solution stripped.

``python -m autograder build`` regenerates ``student_template/lm_training.py`` from the reference;
``tests/test_template.py`` fails when the committed file is out of date.
"""
from __future__ import annotations

import textwrap

from autograder.build.source import FunctionSource, read_functions
from autograder.paths import TEMPLATE
from autograder.questions import QUESTIONS, Question

HEADER = '''"""Lecture 16, "Training transformer models": the functions you implement.

Fill in every function that raises NotImplementedError. Keep the names and signatures: the
autograder calls them exactly like this. Use numpy only (the optional torch track uses PyTorch).
Inputs must never be modified: return new arrays.

Check your work with the public checks in the notebook (grader.check("q1_chunking"), ...);
Gradescope runs more (hidden) tests that compare your functions with a reference solution on
many generated inputs.

This file is generated from the reference by `python -m autograder build`; do not edit the
copy in the course repository by hand.
"""
import math

import numpy as np

try:  # the torch track is optional
    import torch
except ImportError:
    torch = None
'''


def stub(fn: FunctionSource, question: Question) -> str:
    """A function with its signature and docstring and a body that points to the lecture."""
    indent = " " * 4
    message = (f"{fn.name} is not implemented yet: see the lecture section "
               f"'{question.section}' ({question.id})")
    body = textwrap.indent(f"# YOUR CODE HERE\nraise NotImplementedError({message!r})", indent)
    return f"{fn.header}\n{fn.docstring}\n{body}\n"


def question_stubs(question: Question, functions: dict[str, FunctionSource]) -> list[str]:
    return [stub(functions[name], question) for name in question.functions]


def render_template() -> str:
    functions = read_functions()
    parts = [HEADER]
    for question in QUESTIONS:
        banner = f"# {'=' * 70}\n# {question.id}: {question.title}"
        if question.track == "torch":
            banner += " (optional torch track)"
        parts.append(f"\n\n{banner}\n# {'=' * 70}\n")
        parts.append("\n\n".join(question_stubs(question, functions)))
    return "".join(parts).rstrip() + "\n"


def write_template(path=TEMPLATE) -> str:
    text = render_template()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text
