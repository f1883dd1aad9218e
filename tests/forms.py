"""Realistic forms of one correct solution, as students hand work in (issue 11).

Every form is built from the solutions notebook (or the solutions ``.py``) with nbformat's
factory functions and small edits a student makes; each must score full marks on every path.
``FORMS`` maps a form's name to a function ``(folder) -> path`` that writes it into ``folder``.
"""
from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

from autograder.build.notebook import build_notebook
from autograder.build.release import solutions_module


def solutions() -> nbformat.NotebookNode:
    return build_notebook(solutions=True)


def _cell_defining(nb, name: str) -> int:
    return next(i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and f"def {name}(" in c.source)


def _setup_cell(nb) -> int:
    return next(i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and "import numpy as np" in c.source
                and "skip-grading" not in c.metadata.get("tags", []))


def _write(nb, folder: Path, name: str = "lecture16.ipynb") -> Path:
    nbformat.validate(nb)
    path = Path(folder) / name
    nbformat.write(nb, str(path))
    return path


# ----------------------------------------------------------------------------- notebook edits
def extra_imports(nb):
    """matplotlib, tqdm and an uninstalled package next to numpy in the first code cell."""
    i = _setup_cell(nb)
    nb.cells[i].source = nb.cells[i].source.replace(
        "import numpy as np", "import numpy as np\nimport matplotlib.pyplot as plt\n"
        "import seaborn as sns  # not installed where the grader runs\nfrom tqdm import tqdm")
    return nb


def question_marks(nb):
    """Comments ending in ? and strings holding ! and ?, in and around the functions."""
    i = _cell_defining(nb, "cross_entropy_grad")
    nb.cells[i].source = ("# is this the mean over kept positions?\n" + nb.cells[i].source
                          + '\n\nNOTE = "why?! it works!"  # done?\nprint("really?")')
    j = _cell_defining(nb, "causal_mask")
    nb.cells[j].source = nb.cells[j].source.replace("  # (T, T)", "  # is the diagonal in?")
    assert nb.cells[j].source.endswith("?")
    nb.cells[j].source += "\n# TODO: faster?"
    return nb


def continuation_lines(nb):
    """Black-style continuation lines starting with != and ! inside brackets."""
    i = _cell_defining(nb, "perplexity")
    nb.cells[i].source += ("\n\n\n_kept = (np.arange(6)\n"
                           "!= 2).sum()\n"
                           "_flags = [True,\n"
                           "    not False, 1\n"
                           "    != 2]")
    return nb


def magics_and_shell(nb):
    """%%time on a function cell, !pip and %pip and %matplotlib lines, a help query."""
    i = _cell_defining(nb, "chunk_tokens")
    nb.cells[i].source = "%%time\n" + nb.cells[i].source
    j = _cell_defining(nb, "log_softmax")
    nb.cells[j].source = "%%capture\n" + nb.cells[j].source + "\n!echo done"
    nb.cells.insert(_setup_cell(nb), new_code_cell(
        "!pip install -q numpy\n%pip install -q tqdm\n%matplotlib inline\nnp?\nfiles = !ls"))
    return nb


def helpers_later(nb):
    """perplexity calls a helper defined in a later cell."""
    i = _cell_defining(nb, "perplexity")
    nb.cells.insert(i, new_code_cell(
        "def perplexity(logits, targets, ignore_index=None):\n"
        "    return float(np.exp(_mean_loss(logits, targets, ignore_index)))"))
    nb.cells.insert(i + 1 + 1 + 2, new_code_cell(
        "def _mean_loss(logits, targets, ignore_index):\n"
        "    return cross_entropy(logits, targets, ignore_index=ignore_index)"))
    del nb.cells[i + 1]  # the reference's own perplexity cell: the helper version counts
    return nb


def redefined(nb):
    """A wrong first try of causal_mask, then the right one (the last definition wins)."""
    i = _cell_defining(nb, "causal_mask")
    nb.cells.insert(i, new_code_cell("def causal_mask(T):\n    return np.ones((T, T), bool)"))
    return nb


def raises_after_def(nb):
    """A cell that defines a function and then raises (a leftover demo line)."""
    i = _cell_defining(nb, "global_grad_norm")
    nb.cells[i].source += "\n\nprint(global_grad_norm(undefined_grads))\nraise RuntimeError('x')"
    return nb


def colab_saved(nb):
    """What Colab writes: its metadata, no cell ids (nbformat 4.0), outputs, an @title form."""
    nb.metadata = {"colab": {"provenance": [], "toc_visible": True},
                   "kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "language_info": {"name": "python"}, "accelerator": "GPU"}
    nb.nbformat_minor = 0
    for n, cell in enumerate(nb.cells):
        cell.pop("id", None)
        cell.metadata = {"id": f"abc{n:04d}", "colab": {"base_uri": "https://localhost:8080/"},
                         **({"outputId": f"out{n}"} if cell.cell_type == "code" else {})}
        if cell.cell_type == "code":
            cell.execution_count = n
            cell.outputs = [new_output("stream", name="stdout", text="ok\n")]
    return nb


def jupyterlab_saved(nb):
    """JupyterLab's metadata, hidden sources, images and errors in outputs."""
    nb.metadata["language_info"] = {"codemirror_mode": {"name": "ipython", "version": 3},
                                    "file_extension": ".py", "mimetype": "text/x-python",
                                    "name": "python", "nbconvert_exporter": "python",
                                    "pygments_lexer": "ipython3", "version": "3.11.9"}
    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {})["outputs_hidden"] = n % 2 == 0
            cell.execution_count = n
            cell.outputs = [new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                             "text/plain": "<Figure>"}),
                            new_output("error", ename="NameError", evalue="x",
                                       traceback=["NameError"])]
    nb.cells.append(new_markdown_cell("My notes: does it converge? Yes!"))
    return nb


def plots_and_main(nb):
    """Top-level plotting, tqdm loops, display(), an input() and a __main__ demo."""
    nb.cells.append(new_code_cell(
        "import matplotlib.pyplot as plt\nfrom tqdm.auto import tqdm\n"
        "for _ in tqdm(range(3)):\n    pass\n"
        "plt.plot(causal_mask(4).sum(1))\nplt.title('rows?')\nplt.show()\n"
        "display(causal_mask(2))\nname = input('your name? ')\n"
        "if __name__ == '__main__':\n    print(chunk_tokens([[1, 2, 3]], 2))"))
    return nb


def crlf_and_unicode(nb):
    """Windows line ends inside every cell, tabs and non-ASCII text (a notebook edited on
    Windows by a student who writes French comments)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = ("# café ✓ — vérifié?\n" + cell.source).replace("\n", "\r\n")
    nb.cells.append(new_code_cell("if True:\r\n\tnote = 'déjà vu!'\r\n"))
    return nb


def vscode_saved(nb):
    """VS Code's metadata (and its own kernel name), cells without outputs."""
    nb.metadata["kernelspec"] = {"name": "venv", "display_name": ".venv (Python 3.12.1)",
                                 "language": "python"}
    nb.metadata["vscode"] = {"interpreter": {"hash": "ab" * 32}}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.metadata["vscode"] = {"languageId": "python"}
    return nb


NOTEBOOK_EDITS = {
    "notebook": lambda nb: nb,
    "extra imports": extra_imports,
    "question marks": question_marks,
    "continuation lines": continuation_lines,
    "magics and shell": magics_and_shell,
    "helpers later": helpers_later,
    "redefined": redefined,
    "raises after def": raises_after_def,
    "colab saved": colab_saved,
    "jupyterlab saved": jupyterlab_saved,
    "plots and main": plots_and_main,
    "crlf and unicode": crlf_and_unicode,
    "vscode saved": vscode_saved,
    "all at once": lambda nb: plots_and_main(jupyterlab_saved(raises_after_def(redefined(
        helpers_later(magics_and_shell(continuation_lines(question_marks(extra_imports(nb))))))))),
}


# ----------------------------------------------------------------------------- other forms
def py_crlf_bom(folder: Path) -> Path:
    path = Path(folder) / "lm_training.py"
    path.write_bytes(b"\xef\xbb\xbf" + solutions_module().replace("\n", "\r\n").encode())
    return path


def renamed(folder: Path) -> Path:
    return _write(extra_imports(solutions()), folder, "Copy of lecture16 (1).ipynb")


def otter_zip(folder: Path) -> Path:
    """What grader.export() writes: the notebook, a log and the tests, zipped."""
    nb_path = _write(extra_imports(solutions()), folder, "lecture16.ipynb")
    path = Path(folder) / "lecture16_2026_11_29T10_00_00_000000.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(nb_path, "lecture16.ipynb")
        zf.writestr(".OTTER_LOG", b"\x80\x04log")
        zf.writestr("tests/q1_chunking.py", "OK_FORMAT = False\n")
        zf.writestr("corpus.txt", "a b c\n")
    nb_path.unlink()
    return path


def notebook_form(edit):
    def write(folder: Path) -> Path:
        return _write(edit(copy.deepcopy(solutions())), folder)
    return write


FORMS = {**{name: notebook_form(edit) for name, edit in NOTEBOOK_EDITS.items()},
         "py crlf bom": py_crlf_bom, "renamed notebook": renamed, "otter zip": otter_zip}
