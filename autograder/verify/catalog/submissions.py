"""Correct whole submissions, the way students hand them in: a .py with demo code around the
functions, the notebook as it looks after working in it (see notebooks.py), that notebook in a
``grader.export()`` zip and as Jupyter's "export as .py", and a notebook from Colab."""
from __future__ import annotations

import io
import zipfile

import nbformat

from . import Correct
from .notebooks import colab_notebook, student_notebook

DEMO = '''

# ---- my checks (run when the file is imported, like a notebook top to bottom) ----
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

print(chunk_tokens([[5, 6, 7], [8, 9]], block_size=3, eos_id=0))
assert causal_mask(3).sum() == 6
logits = np.log(np.array([[0.1, 0.2, 0.5, 0.15, 0.05]]))
print("loss", cross_entropy(logits, np.array([2])), "ppl", perplexity(logits, np.array([2])))
print(corpus_perplexity([0.69, 2.3], [300, 100]))

rng = np.random.default_rng(0)
params = {"w": rng.normal(size=(4, 3)), "b": np.zeros(3)}
state = init_adamw_state(params)
for step in range(20):
    grads = {k: 2 * p + 0.1 for k, p in params.items()}  # the gradient of a quadratic
    lr = warmup_cosine_lr(step, 0.1, 5, 20, min_lr=0.01)
    params, state = adamw_step(params, grads, state, lr=lr, max_grad_norm=1.0)
print("after training:", global_grad_norm(params))

plt.plot([warmup_cosine_lr(s, 1.0, 10, 100, 0.1) for s in range(120)])
plt.title("my schedule")
plt.savefig("schedule.png")
plt.show()

print(chunk_tokens(my_docs, 8))  # my_docs was in a cell I deleted: a NameError here
MAX_LEN = 128

if __name__ == "__main__":
    out, w = causal_attention(np.zeros((1, 3, 2)), np.zeros((1, 3, 2)), np.ones((1, 3, 1)))
    assert np.allclose(w.sum(-1), 1)
    print("all my checks passed")
'''


def _notebook_bytes(_reference: str) -> bytes:
    return nbformat.writes(student_notebook()).encode("utf-8")


def _export_zip(_reference: str) -> bytes:
    """What ``grader.export("lecture16.ipynb", pdf=False)`` writes: the notebook, otter's log and
    the zip's own name."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("lecture16.ipynb", _notebook_bytes(""))
        zf.writestr(".OTTER_LOG", bytes(range(256)))
        zf.writestr("__zip_filename__", "lecture16_2025_11_03T21_14_05_123456.zip")
    return buffer.getvalue()


def _jupyter_py(_reference: str) -> bytes:
    """Jupyter's File > Save and Export Notebook As > Executable Script (nbconvert): magics and
    shell lines become get_ipython() calls."""
    from nbconvert.exporters import PythonExporter

    text, _ = PythonExporter().from_notebook_node(student_notebook())
    return text.encode("utf-8")


def _colab(_reference: str) -> bytes:
    return nbformat.writes(colab_notebook()).encode("utf-8")


def _demo_py(reference: str) -> bytes:
    return (reference + DEMO).encode("utf-8")


CORRECT = [
    Correct("demo-code", "the .py with top-level demo code: prints, asserts, a training loop, a "
            "matplotlib plot, a line that raises NameError, a main guard", render=_demo_py),
    Correct("notebook", "the notebook as a student leaves it: outputs, !pip, %matplotlib, "
            "input(), a first attempt redefined later, scratch and failing cells, a plot, "
            "debug prints, grader.check calls", render=_notebook_bytes, suffix=".ipynb"),
    Correct("export-zip", "that notebook in a grader.export() zip (with .OTTER_LOG and "
            "__zip_filename__)", render=_export_zip, suffix=".zip"),
    Correct("colab", "a notebook from Colab: its metadata, a Drive mount, !nvidia-smi, %%time, "
            "q4 answered before q3, an unguarded import torch in the torch track",
            render=_colab, suffix=".ipynb"),
    Correct("jupyter-py", "that notebook exported by Jupyter as a .py script: get_ipython() "
            "lines, no cell tags (the ungraded cells are left out by their skip-grading line)",
            render=_jupyter_py),
]
