"""The notebook's export cell: one line that calls the shipped helper, ``export_notebook.py``
(``autograder/build/files/``), which exports the notebook the student is running, whatever its
name (``Copy of lecture16.ipynb``, ``lecture16 (1).ipynb``), never another notebook beside it.

The helper travels as the checks' files do: in the student release next to the notebook, and in
the notebook's bundle (the first cell writes it where it is missing), so the notebook also works
as the only file. The cell is tagged ``skip-grading`` (the grader has no helper to import) and
collapsed: the student sees no machinery.
"""
from __future__ import annotations

from pathlib import Path

HELPER_NAME = "export_notebook.py"
HELPER_PATH = Path(__file__).parent / "files" / HELPER_NAME


def helper_text() -> str:
    """The helper's source, as it ships next to the notebook."""
    return HELPER_PATH.read_text(encoding="utf-8")


def export_cell_source() -> str:
    """The export cell's one line (the build adds the skip-grading line above it)."""
    return "from export_notebook import export; export(grader)  # a .zip to upload to Gradescope"
