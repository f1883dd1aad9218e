"""The class report that ``grade DIR --csv`` writes next to the CSV: ``report.md`` (totals, the
mean per question, the failure rate of every hidden test, the common mistakes with the
misconception each hidden test reveals), its PNG plots, and ``gradebook.csv`` (one row per
student)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from autograder.batchgrade import Graded
from autograder.classreport.gradebook import gradebook_rows, write_gradebook
from autograder.classreport.render import render
from autograder.classreport.stats import class_stats

REPORT = "report.md"
GRADEBOOK = "gradebook.csv"


def write_class_report(records: list[Graded], folder: Path, title: str,
                       term=None) -> list[Path]:
    """Write the report, its plots and the gradebook into ``folder``; returns their paths.
    Without matplotlib the report is written without plots. ``term``: the instructor's term
    settings (:mod:`autograder.term`; None or empty: nothing added)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stats = class_stats(records)
    written, names = [], {}
    if importlib.util.find_spec("matplotlib") is not None:
        from autograder.classreport.plots import PLOTS

        for key, plot in PLOTS.items():
            names[key] = f"report_{key}.png"
            written.append(plot(stats, folder / names[key]))
    rows = gradebook_rows(records, stats.questions)
    after = None
    if term is not None and term.active:
        from autograder.term import after_grading

        after = after_grading(records, rows, stats.questions, folder, term)
    report = folder / REPORT
    report.write_text(render(stats, title, names, after.lines if after else ()),
                      encoding="utf-8")
    gradebook = write_gradebook(records, stats.questions, folder / GRADEBOOK, rows,
                                after.columns if after else ())
    return [report, *written, gradebook, *(after.written if after else ())]
