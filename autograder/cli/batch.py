"""``grade DIR --csv``: grade every entry of a folder (each in its own process), write the CSV,
then the class report (``report.md``, plots, ``gradebook.csv``) next to it."""
from __future__ import annotations

import tempfile
from pathlib import Path

from tqdm import tqdm

from autograder.batchgrade import entries, grade_entries, write_csv
from autograder.report import batch_summary


def grade_folder(folder: Path, csv_path: Path, *, jobs: int = 1,
                 results_dir: Path | None = None, term_path: Path | None = None) -> int:
    from autograder.classreport import write_class_report
    from autograder.term import load_term

    term = load_term(term_path)  # a bad settings file or CSV row stops before grading
    if term.active:
        from autograder.questions import QUESTIONS
        from autograder.term import check_inputs

        check_inputs(term, [q.id for q in QUESTIONS])
    items = entries(folder)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(results_dir) if results_dir else Path(tmp)
        records = grade_entries(items, out, jobs=jobs, progress=lambda finished, total: tqdm(
            finished, total=total, desc="grading", unit="submission"))
    write_csv(records, csv_path)
    written = write_class_report(records, csv_path.parent, title=Path(folder).resolve().name,
                                 term=term)
    print(batch_summary(records))
    for path in [csv_path, *written]:
        print(f"wrote {path}")
    return 0
