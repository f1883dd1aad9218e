"""The student template is generated from the reference and never edited by hand."""
import ast

import pytest

from autograder.build.template import render_template
from autograder.paths import TEMPLATE
from autograder.questions import ALL_FUNCTIONS, QUESTIONS


def test_committed_template_is_up_to_date():
    assert TEMPLATE.read_text(encoding="utf-8") == render_template(), (
        "student_template/lm_training.py is stale: run `python -m autograder build`")


def _functions(text):
    return {node.name: node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)}


def test_template_has_every_spec_function_as_a_stub_with_a_docstring():
    functions = _functions(TEMPLATE.read_text(encoding="utf-8"))
    assert sorted(functions) == sorted(ALL_FUNCTIONS)
    for name, node in functions.items():
        assert ast.get_docstring(node), name
        raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
        assert len(raises) == 1 and raises[0].exc.func.id == "NotImplementedError", name
        assert len(node.body) == 2, f"{name}: the stub should hold only the docstring and a raise"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_stubs_raise_not_implemented_with_a_pointer_to_the_lecture(question):
    namespace = {}
    exec(compile(TEMPLATE.read_text(encoding="utf-8"), str(TEMPLATE), "exec"), namespace)
    for name in question.functions:
        with pytest.raises(NotImplementedError, match=question.section.split(":")[0]):
            namespace[name](*([None] * namespace[name].__code__.co_argcount))


def test_template_signatures_match_the_reference():
    from autograder.build.source import read_functions

    stubs = _functions(TEMPLATE.read_text(encoding="utf-8"))
    for name, fn in read_functions().items():
        if name in ALL_FUNCTIONS:
            ref = _functions(fn.source)[name]
            assert ast.dump(stubs[name].args) == ast.dump(ref.args), name
