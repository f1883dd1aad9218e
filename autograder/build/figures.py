"""``dist/solutions/put_it_together.json``: the figures of the executed "Put it together" section.

The section's ``show_figures`` cells (assignments/lecture16/put_it_together.py) display a table
whose output metadata holds the numbers under ``"put_it_together"``. After the build runs the
solutions notebook, the numbers of every such output are merged, in notebook order, into one
flat JSON object (``{"bigram.val_perplexity": 25.1, ..., "seconds.bigram": 4.3}``), so scripts
and tests read the figures without parsing text.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

FIGURES_NAME = "put_it_together.json"
METADATA_KEY = "put_it_together"


class FiguresError(Exception):
    """The executed notebook holds no figures: the section did not run to its end."""


def notebook_figures(path: Path) -> dict[str, float]:
    """Every figure the executed notebook at ``path`` displayed, merged in cell order."""
    nb = nbformat.read(str(path), as_version=4)
    figures: dict[str, float] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            figures.update(output.get("metadata", {}).get(METADATA_KEY, {}))
    return figures


def write_figures(executed: Path, out: Path) -> Path:
    """Write the figures of the executed notebook ``executed`` to ``out`` (JSON) and return it."""
    figures = notebook_figures(executed)
    if not figures:
        raise FiguresError(f"expected figures in the outputs of {executed.name}, got none; "
                           "run the notebook to its end (the section's last cell shows them)")
    out.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out
