"""Student notebooks for the correct catalog, built with nbformat's v4 factories from the
solutions notebook of the build: the notebook as a student leaves it after working in it in
Jupyter (outputs, magics, shell lines, scratch cells, a cell that raises, input(), a plot, a first
attempt redefined later, debug prints), and one from Colab (its metadata, a Drive mount, cell
magics, questions answered out of order, an unguarded ``import torch``)."""
from __future__ import annotations

import ast
import base64

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

# a 1x1 PNG, standing in for a plot's image output
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)).decode()

FIRST_ATTEMPT = '''# my first try (fixed further down)
def chunk_tokens(docs, block_size, eos_id=None):
    stream = []
    for doc in docs:
        stream += doc
    return np.array(stream).reshape(-1, block_size)'''

SCRATCH = {  # after the cell defining a function: a call the student tried, and what it printed
    "chunk_tokens": ("print(chunk_tokens([[5, 6, 7], [8, 9]], block_size=3, eos_id=0))",
                     "[[5 6 7]\n [0 8 9]]\n"),
    "causal_mask": ("display(causal_mask(4))\nnp.tril?", None),
    "cross_entropy": ("logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))\n"
                      "cross_entropy(logits, np.array([2]))", "np.float64(0.6931471805599453)"),
    "perplexity": ("%time perplexity(np.zeros((2, 3, 50)), np.array([[1, 2, 3], [4, 5, 6]]))",
                   "np.float64(50.0)"),
}


def _ran(cell: NotebookNode, count: int, *outputs: NotebookNode) -> NotebookNode:
    cell.execution_count = count
    cell.outputs = list(outputs)
    return cell


def _stdout(text: str) -> NotebookNode:
    return new_output("stream", name="stdout", text=text)


def _error(ename: str, evalue: str) -> NotebookNode:
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


def _defines(cell: NotebookNode) -> str:
    """The last function a solution cell defines (helpers come first), or ''."""
    try:
        names = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return ""
    return names[-1] if names else ""


def _is_setup(cell: NotebookNode) -> bool:
    """The setup cell that students run (imports, the otter grader), not the Colab one."""
    return (cell.cell_type == "code" and "import otter" in cell.source
            and "skip-grading" not in cell.metadata.get("tags", []))


def student_notebook() -> NotebookNode:
    """The solutions notebook as a student leaves it after working in it."""
    from autograder.build.notebook import build_notebook

    nb = build_notebook(solutions=True)
    cells, count = [], 0

    def add(cell, *outputs):
        nonlocal count
        if cell.cell_type == "code":
            count += 1
            cell = _ran(cell, count, *outputs)
        cells.append(cell)

    for cell in nb.cells:
        name = _defines(cell) if cell.cell_type == "code" else ""
        if name == "chunk_tokens":
            add(new_code_cell(FIRST_ATTEMPT))
            add(new_code_cell("chunk_tokens([[1, 2], [3]], 2, eos_id=0)"),
                _error("ValueError", "cannot reshape array of size 3 into shape (2)"))
        if name == "log_softmax":  # debugging prints left in
            cell.source = cell.source.replace(
                "    shifted = logits", "    print('log_softmax got', logits.shape)\n"
                                        "    shifted = logits", 1)
        add(cell)
        if _is_setup(cell):
            add(new_code_cell("!pip install -q numpy matplotlib\n%matplotlib inline\n"
                              "import matplotlib.pyplot as plt"),
                _stdout("Requirement already satisfied: numpy\n"))
            add(new_code_cell('name = input("Your name: ")\nprint("Hi", name)'),
                _stdout("Your name: Ada\nHi Ada\n"))
        if name in SCRATCH:
            source, shown = SCRATCH[name]
            outputs = [] if shown is None else [
                new_output("execute_result", data={"text/plain": shown}, execution_count=count + 1)
                if not shown.endswith("\n") else _stdout(shown)]
            add(new_code_cell(source), *outputs)
        if name == "causal_attention":
            add(new_markdown_cell("**My answer:** the diagonal stays in the mask because a token "
                                  "may look at itself; only the future is hidden."))
            add(new_code_cell("blocks = chunk_tokens(docs, 8)  # docs was never defined"),
                _error("NameError", "name 'docs' is not defined"))
        if name == "warmup_cosine_lr":
            add(new_code_cell(
                "steps = range(120)\n"
                "plt.plot(steps, [warmup_cosine_lr(s, 1.0, 10, 100, 0.1) for s in steps])\n"
                "plt.xlabel('step'); plt.ylabel('lr')\nplt.show()"),
                new_output("display_data", data={
                    "image/png": PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"}))
    nb.cells = cells
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"student-{i:03d}"
    nbformat.validate(nb)
    return nb


def _question(cell: NotebookNode) -> str:
    """The question id a markdown heading opens ('' for other cells)."""
    if cell.cell_type != "markdown" or not cell.source.startswith("## Question"):
        return ""
    return cell.source.split("(`", 1)[1].split("`", 1)[0]


def colab_notebook() -> NotebookNode:
    """The solutions notebook as it comes back from Colab: Colab's metadata, a Drive mount (no
    google.colab when grading), !nvidia-smi, a %%time cell magic on a function, q4 answered
    before q3, and the torch-track cells starting with an unguarded ``import torch``."""
    from autograder.build.notebook import build_notebook

    nb = build_notebook(solutions=True)
    sections: list[list[NotebookNode]] = [[]]
    for cell in nb.cells:  # split at the question headings, to move q4 before q3
        if _question(cell):
            sections.append([])
        sections[-1].append(cell)
    order = {_question(s[0]): i for i, s in enumerate(sections) if _question(s[0])}
    q3, q4 = order["q3_cross_entropy"], order["q4_perplexity"]
    sections[q3], sections[q4] = sections[q4], sections[q3]
    cells = []
    for cell in (c for s in sections for c in s):
        name = _defines(cell) if cell.cell_type == "code" else ""
        if name == "adamw_step":
            cell.source = "%%time\n" + cell.source
        if name.endswith(("_torch", "_torch_")):
            cell.source = "import torch\nimport torch.nn.functional as F\n\n" + cell.source
        cells.append(cell)
        if _is_setup(cell):
            cells += [_ran(new_code_cell("from google.colab import drive\n"
                                         "drive.mount('/content/drive')"), 3,
                           _stdout("Mounted at /content/drive\n")),
                      _ran(new_code_cell("!nvidia-smi"), 4, _stdout("NVIDIA-SMI has failed\n"))]
    nb.cells = cells
    nb.metadata = {"colab": {"provenance": [], "toc_visible": True},
                   "kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "language_info": {"name": "python"}, "accelerator": "GPU"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"colab-{i:03d}"
        cell.metadata["id"] = f"Xc{i:04d}aBq"
    nbformat.validate(nb)
    return nb
