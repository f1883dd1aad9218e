"""The instructor's term, after grading: late work and extensions, overrides, the Canvas
gradebook import file and the similarity report, all from the settings of
:mod:`autograder.term.config` (none set: the batch's outputs are what they are without them).

``grade DIR --csv`` calls :func:`after_grading` while it writes the class report: it adds the
term's columns to the gradebook's rows (:mod:`autograder.term.scores`), writes ``canvas.csv``
(:mod:`autograder.term.canvas`) and ``similarity.html`` (:mod:`autograder.term.similarity`)
beside ``gradebook.csv``, and returns the report's section on them."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from autograder.term.config import Term, load_term
from autograder.term.errors import TermError
from autograder.term.scores import COLUMNS, TermSummary, apply_term
from autograder.term.times import SubmissionTime, submission_time

__all__ = ["AfterGrading", "Term", "TermError", "after_grading", "check_inputs", "load_term"]


@dataclass
class AfterGrading:
    columns: list[str] = field(default_factory=list)
    """the gradebook's added columns"""
    written: list[Path] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    """report.md's section"""


def check_inputs(term: Term, questions: list[str]) -> None:
    """Read the term's CSV files before grading, so that a bad row stops the batch at once
    (students and questions are matched after grading)."""
    from autograder.term.canvas import read_roster
    from autograder.term.inputs import read_extensions, read_overrides

    if term.extensions:
        read_extensions(term.extensions)
    if term.overrides:
        read_overrides(term.overrides, questions)
    if term.canvas_roster:
        read_roster(term.canvas_roster)


def _times(records) -> dict:
    from autograder.classreport.gradebook import EXPORT_METADATA, export_metadata

    times = {}
    for r in records:
        folder = r.entry.parent.resolve()
        export = export_metadata(folder)
        if export is None and (folder / EXPORT_METADATA).is_file():
            times[r.submission] = SubmissionTime(None, "Gradescope export created_at", (
                f"no submission time: {EXPORT_METADATA} could not be read (a broken file, or "
                "PyYAML missing)"))
        else:
            times[r.submission] = submission_time(r.entry, export)
    return times


def _names(names: list[str], limit: int = 8) -> str:
    from autograder.classreport.render import escape

    shown = ", ".join(escape(n) for n in sorted(set(names), key=str.lower)[:limit])
    return shown + (f", ... ({len(set(names)) - limit} more)" if len(set(names)) > limit else "")


def _late_lines(summary: TermSummary, term: Term) -> list[str]:
    lines = []
    if term.due:
        lines += [f"Due {term.due.isoformat(sep=' ', timespec='minutes')}"
                  + (f", {len(set(summary.extended))} with an extension" if summary.extended
                     else "") + ":", "",
                  f"- on time (or within the grace period): {len(summary.on_time)}",
                  f"- late, with a penalty: {len(summary.late)}"
                  + (f" ({_names(summary.late)})" if summary.late else ""),
                  f"- not accepted (after the last date): {len(summary.not_accepted)}"
                  + (f" ({_names(summary.not_accepted)})" if summary.not_accepted else ""),
                  f"- no submission time, the policy not applied (check by hand): "
                  f"{len(summary.no_time)}"
                  + (f" ({_names(summary.no_time)})" if summary.no_time else "")]
    if term.overrides:
        lines.append(f"- overridden by the instructor: {len(set(summary.overridden))}"
                     + (f" ({_names(summary.overridden)})" if summary.overridden else ""))
    return lines + ["", "The gradebook's `raw_total`, `late_penalty`, `final_total`, "
                        "`overrides` and `term_note` columns say how each score was made.", ""]


def after_grading(records, rows: list[dict], questions: list[str], folder: Path,
                  term: Term) -> AfterGrading:
    """The term's work on a graded batch: ``rows`` (the gradebook's) get the term's columns;
    the Canvas file and the similarity report are written into ``folder``."""
    done = AfterGrading()
    if not term.active:
        return done
    done.lines = ["## After grading", ""]
    if term.gradebook_columns:
        summary = apply_term(rows, _times(records), term, questions)
        done.columns = list(COLUMNS)
        done.lines += _late_lines(summary, term)
    if term.canvas:
        from autograder.term.canvas import UNMATCHED, write_canvas

        points = max((r.max_total for r in records), default=0.0)
        score = "final_total" if term.gradebook_columns else "total"
        written = write_canvas(rows, folder, assignment=term.canvas_assignment, points=points,
                               score=score, roster=term.canvas_roster)
        done.written += written
        unmatched = [p for p in written if p.name == UNMATCHED]
        done.lines += [f"Canvas: `canvas.csv` imports the column `{term.canvas_assignment}` "
                       "(Grades, Import)."
                       + (f" Students without a Canvas match are listed in `{UNMATCHED}`: "
                          "enter them by hand." if unmatched else
                          " Every student matched."), ""]
    if term.similarity is not None:
        from autograder.term.similarity import HTML, NOT_A_VERDICT, write_similarity

        items = [{"submission": r.submission, "entry": str(Path(r.entry).resolve()),
                  "file": r.file} for r in records if r.graded]
        written = write_similarity(items, folder, term.similarity)
        done.written += written
        with open(written[1], newline="", encoding="utf-8") as f:
            pairs = sum(1 for _ in csv.DictReader(f))
        done.lines += [f"Similarity: [{HTML}]({HTML}) lists the {pairs} pair(s) above "
                       f"{term.similarity:.0%} similar, their functions side by side. "
                       + NOT_A_VERDICT, ""]
    return done
