"""Gradescope's entry point (``run_autograder`` calls :func:`run_gradescope`): grade the
submission against this checkout's assignment (:mod:`autograder.assignment`)."""
from __future__ import annotations

import os
from pathlib import Path

from autograder.assignment import grade
from autograder.engine.results import reserve_results, write_results
from autograder.engine.reveal import read_metadata


def run_gradescope() -> int:
    """Grade ``$AUTOGRADER_ROOT/submission`` into ``$AUTOGRADER_ROOT/results/results.json``;
    ``submission_metadata.json`` beside them gives the submission's history (the reveal before
    the due date, when it is on)."""
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    reserve_results(root / "results" / "results.json")  # before any student code runs
    history = read_metadata(root / "submission_metadata.json")
    result = grade(root / "submission", history=history)
    write_results(result, root / "results" / "results.json")
    return 0
