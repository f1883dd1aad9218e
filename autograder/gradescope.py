"""Gradescope's entry point (``run_autograder`` calls :func:`run_gradescope`): grade the
submission against this checkout's assignment (:mod:`autograder.assignment`)."""
from __future__ import annotations

import os
from pathlib import Path

from autograder.assignment import grade
from autograder.engine.results import reserve_results, write_results


def run_gradescope() -> int:
    """Grade ``$AUTOGRADER_ROOT/submission`` into ``$AUTOGRADER_ROOT/results/results.json``."""
    root = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    reserve_results(root / "results" / "results.json")  # before any student code runs
    result = grade(root / "submission")
    write_results(result, root / "results" / "results.json")
    return 0
