"""The student template is generated from the reference (never committed, never edited)."""
import ast
import re

import pytest

from autograder.build.template import template_text
from autograder.questions import ALL_FUNCTIONS, QUESTIONS


def _functions(text):
    return {node.name: node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)}


@pytest.mark.assignment
def test_template_has_every_spec_function_as_a_stub_with_a_docstring():
    functions = _functions(template_text())
    assert sorted(functions) == sorted(ALL_FUNCTIONS)
    for name, node in functions.items():
        assert ast.get_docstring(node), name
        raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise)]
        assert len(raises) == 1 and raises[0].exc.func.id == "NotImplementedError", name
        assert len(node.body) == 2, f"{name}: the stub should hold only the docstring and a raise"


POINTER = re.compile(r"is not implemented yet: see the notebook section '(?P<heading>.+)' "
                     r"\((?P<id>\w+)\)$")


def _stub_messages(question) -> dict[str, str]:
    """What each of the question's stubs says when called."""
    namespace = {}
    exec(compile(template_text(), "lm_training.py", "exec"), namespace)
    messages = {}
    for name in question.functions:
        with pytest.raises(NotImplementedError) as raised:
            namespace[name](*([None] * namespace[name].__code__.co_argcount))
        messages[name] = str(raised.value)
    return messages


@pytest.fixture(scope="module")
def notebook_headings() -> list[str]:
    """The text of every markdown heading of the student notebook, as the build makes it."""
    from autograder.build.notebook import build_notebook

    headings = []
    for cell in build_notebook(solutions=False, tests={}).cells:
        if cell.cell_type == "markdown":
            headings += [line.lstrip("#").strip() for line in cell.source.splitlines()
                         if re.match(r"#{1,6} ", line)]
    return headings


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_every_stub_names_a_heading_of_the_built_notebook(question, notebook_headings):
    for name, message in _stub_messages(question).items():
        found = POINTER.search(message)
        assert found, f"expected {name}'s stub to name a notebook section, got {message!r}"
        assert found["id"] == question.id, message
        heading = found["heading"]
        # the heading as the notebook shows it, or that heading before its "(`id`, N points)"
        assert any(h == heading or h.startswith(f"{heading} (`{question.id}`")
                   for h in notebook_headings), (
            f"expected {name}'s stub to name a heading of the notebook, got {heading!r}; "
            f"the notebook's headings: {notebook_headings}")


def test_a_question_text_with_its_own_heading_is_refused(monkeypatch, tmp_path):
    from autograder.build import texts
    from autograder.questions import Question

    (tmp_path / "text.md").write_text("## Question 1: Chunking\n\nText.\n", encoding="utf-8")
    monkeypatch.setattr(Question, "text_path", property(lambda self: tmp_path / "text.md"))
    with pytest.raises(texts.TextError, match="to start below its heading"):
        texts.question_text(QUESTIONS[0])


def test_the_template_speaks_to_students():
    docstring = ast.get_docstring(ast.parse(template_text()))
    assert "NotImplementedError" in docstring and "notebook" in docstring
    for instructor_words in ("python -m autograder", "course repository", "generated from"):
        assert instructor_words not in docstring, instructor_words


@pytest.mark.assignment
def test_template_signatures_match_the_reference():
    from autograder.build.source import read_functions

    stubs = _functions(template_text())
    for name, fn in read_functions().items():
        if name in ALL_FUNCTIONS:
            ref = _functions(fn.source)[name]
            assert ast.dump(stubs[name].args) == ast.dump(ref.args), name
