"""Notebook cells read as IPython reads them: IPython syntax becomes calls that are dropped, every
other line is kept exactly, with its line number, statement by statement (no worker here)."""
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.engine import pysource
from autograder.engine.choose import ChoiceError, choose
from autograder.engine.worker import run_cell

FUNCTIONS = ("chunk_tokens", "causal_mask")


def _statements(*sources: str, tags=None):
    cells = [new_markdown_cell("intro?")] + [new_code_cell(s) for s in sources]
    if tags:
        cells[1].metadata["tags"] = tags
    return pysource.notebook_statements(nbformat.writes(new_notebook(cells=cells)), "nb.ipynb",
                                        FUNCTIONS)


def test_plain_python_lines_are_kept_exactly_whatever_their_first_or_last_character():
    cell = ("x = 1  # is this right?\n"
            "s = '!important? yes!'\n"
            "y = (x\n"
            "!= 2)\n"
            "z = [1,\n"
            "2]\n")
    kept = [s.source for s in _statements(cell)]
    assert kept == ["x = 1  # is this right?", "s = '!important? yes!'", "y = (x\n!= 2)",
                    "z = [1,\n2]"]


def test_shell_magics_and_help_are_dropped_and_cell_magic_bodies_kept_with_their_lines():
    statements = _statements(
        "!pip install numpy\n%matplotlib inline\nimport numpy as np\nnp.sum?\nfiles = !ls",
        "%%time\ndef chunk_tokens(docs, block_size, eos_id=None):\n    return 1\n!echo hi",
        "%%bash\necho not python",
        "grader = otter.Notebook()\ngrader.check('q1')\ngrader.export('x.ipynb')")
    assert [(s.label, s.source.split("\n")[0]) for s in statements] == [
        ("cell 2, line 3", "import numpy as np"),
        ("cell 2, line 5", "files = get_ipython().getoutput('ls')"),  # the worker's stand-in
        ("cell 3, line 2", "def chunk_tokens(docs, block_size, eos_id=None):"),
        ("cell 5, line 1", "grader = otter.Notebook()")]
    assert statements[2].work == ("chunk_tokens",) and statements[0].binds == ("np",)


def test_skip_grading_cells_are_left_out_and_stubs_are_not_work():
    stub = ('def causal_mask(T):\n    """doc"""\n'
            '    raise NotImplementedError("causal_mask is not implemented yet")\n')
    statements = _statements("while True: pass", stub, tags=["skip-grading"])
    assert [s.label for s in statements] == ["cell 3, line 1"] and statements[0].work == ()


def test_line_numbers_are_kept_without_padding(tmp_path):
    (statement,) = [s for s in _statements("x = 1\n\n\ny = 1 / 0") if s.line == 4]
    assert statement.source == "y = 1 / 0"  # no newlines in front
    status = run_cell(statement.source, statement.label, {}, 5.0, statement.line)
    assert status["status"] == "error" and "(line 4)" in status["message"]


def test_caps_and_damaged_notebooks_raise_a_source_error():
    with pytest.raises(pysource.SourceError, match="more than 5000 top-level statements"):
        pysource.python_statements("\n".join(f"x{i} = 1" for i in range(6000)), "big.py")
    with pytest.raises(pysource.SourceError, match="not a readable Jupyter notebook"):
        pysource.notebook_statements('{"cells": ' + "[" * 50_000 + "]" * 50_000 + "}", "deep.ipynb")
    with pytest.raises(pysource.SourceError, match="cells, more than"):
        pysource.notebook_statements(json.dumps({"cells": [{}] * 3000}), "many.ipynb")


def test_crlf_and_bom_python_files_read_like_plain_ones():
    text = "def chunk_tokens(docs, block_size, eos_id=None):\n    return 1\n"
    plain = pysource.statements(text.encode(), "a.py", FUNCTIONS)
    odd = pysource.statements(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(), "a.py",
                              FUNCTIONS)
    assert [(s.source, s.line, s.work) for s in plain] == [(s.source, s.line, s.work) for s in odd]


def test_links_are_never_followed(tmp_path):
    outside = tmp_path / "solutions.py"
    outside.write_text("def chunk_tokens(docs, block_size, eos_id=None):\n    return 1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "lm_training.py").symlink_to(outside)
    (repo / "sub").symlink_to(tmp_path)
    with pytest.raises(ChoiceError, match="symbolic link"):
        choose(repo, tmp_path / "scratch", FUNCTIONS)
    with pytest.raises(ChoiceError, match="symbolic link"):
        choose(repo / "lm_training.py", tmp_path / "scratch", FUNCTIONS)


def test_ungraded_cells_are_left_out_by_their_first_line_without_tags_and_in_scripts():
    """Colab keeps no cell tags and a notebook saved as a script has none: a cell that opens
    with SKIP_LINE (the build writes it into every ungraded cell) is left out all the same."""
    ungraded = f"#@title Set up\n{pysource.SKIP_LINE}\nwhile True: pass"
    graded = "def causal_mask(T):\n    return T"
    statements = _statements(ungraded, graded)  # no tags at all
    assert [s.source for s in statements] == [graded]
    for mark in ("# In[3]:", "# %%"):  # Jupyter's export, the percent format
        script = (f"import numpy as np\n\n{mark}\n\n{pysource.SKIP_LINE}\nwhile True:\n    pass\n"
                  f"\n{mark}\n\n{graded}\n")
        statements = pysource.statements(script.encode(), "lecture16.py", FUNCTIONS)
        assert [(s.source, s.line) for s in statements] == [("import numpy as np", 1),
                                                            (graded, 11)]
    # a comment that merely mentions it later in a cell leaves the cell in
    script = f"# In[1]:\n\nx = 1\n{pysource.SKIP_LINE}\n"
    assert [s.source for s in pysource.statements(script.encode(), "a.py", FUNCTIONS)] == ["x = 1"]


CELLS = [  # each read with IPython (forced) and as the reader chooses: the same statements
    "import numpy as np\nx = np.zeros(3)\n",
    "# a comment first\n@staticmethod\ndef f(x):\n    return x?\n",
    "def f(x):\n    '''doc\n    more'''\n    return x\r\ny = 1",
    "In [1]: x\n",  # Python (an annotation), and an IPython prompt: IPython strips it
    ">>> x = 1\n>>> y = 2\n",
    "...: x = 1\n",
    "\n\nx = 1\ny = 2\n",  # leading blank lines: IPython drops them
    "  # indented comment\ns = '''\n  kept?\n'''\n",  # a common indent: IPython strips it
    "%matplotlib inline\nimport numpy as np\n",
    "x = 1 +\n",
    "y = (1\n/2)\nz = [1,\n,2]\n",
    "print('?')  # why?\n",
]


@pytest.mark.parametrize("source", CELLS)
def test_a_cell_read_without_ipython_reads_as_ipython_reads_it(source, monkeypatch):
    quick = [(s.label, s.source, s.line, s.binds, s.work) for s in _statements(source)]
    monkeypatch.setattr(pysource, "_at_margin", lambda text: False)  # always through IPython
    assert [(s.label, s.source, s.line, s.binds, s.work) for s in _statements(source)] == quick


def test_a_notebook_of_plain_python_cells_is_read_without_importing_ipython():
    import subprocess
    import sys

    cells = ["import numpy as np", "def chunk_tokens(docs, block_size, eos_id=None):\n    pass",
             "%time x = 1"]
    code = ("import sys, nbformat; from nbformat.v4 import new_code_cell, new_notebook; "
            "from autograder.engine.pysource import notebook_statements; "
            "cells = [new_code_cell(c) for c in sys.argv[1:]]; "
            "notebook_statements(nbformat.writes(new_notebook(cells=cells)), 'nb.ipynb', ()); "
            "print('IPython' in sys.modules)")
    for sources, imported in ((cells[:2], "False"), (cells, "True")):
        done = subprocess.run([sys.executable, "-c", code, *sources], capture_output=True,
                              text=True, timeout=120)
        assert done.stdout.strip() == imported, done.stderr
