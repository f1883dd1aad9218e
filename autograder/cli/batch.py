"""``grade DIR --csv``: grade every entry of a folder (each in its own process, here or on a
dask cluster with ``--scheduler``), write the CSV, then the class report (``report.md``, plots,
``gradebook.csv``) next to it."""
from __future__ import annotations

import tempfile
from pathlib import Path

from tqdm import tqdm

from autograder.batchgrade import entries, grade_entries, write_csv
from autograder.cli import CommandError
from autograder.report import batch_summary


def grade_folder(folder: Path, csv_path: Path, *, jobs: int = 1,
                 results_dir: Path | None = None, term_path: Path | None = None,
                 scheduler: str | None = None, resume: bool = False) -> int:
    from autograder.classreport import write_class_report
    from autograder.term import load_term

    term = load_term(term_path)  # a bad settings file or CSV row stops before grading
    if term.active:
        from autograder.questions import QUESTIONS
        from autograder.term import check_inputs

        check_inputs(term, [q.id for q in QUESTIONS])
    items = entries(folder)
    cluster = None
    if scheduler is not None:
        cluster = _on_cluster(items, csv_path, results_dir, scheduler, resume)
        records = cluster.records
    elif resume:
        raise CommandError("expected --scheduler with --resume (a run on a dask cluster keeps "
                           "its results as they arrive), got resume without it")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(results_dir) if results_dir else Path(tmp)
            records = grade_entries(items, out, jobs=jobs, progress=lambda finished, total: tqdm(
                finished, total=total, desc="grading", unit="submission"))
    write_csv(records, csv_path)
    written = write_class_report(records, csv_path.parent, title=Path(folder).resolve().name,
                                 term=term)
    print(batch_summary(records))
    if cluster is not None:
        print(cluster.summary())
    for path in [csv_path, *written]:
        print(f"wrote {path}")
    return 0


def cluster_results_dir(csv_path: Path, results_dir: Path | None) -> Path:
    """Where a run on a cluster keeps each results.json (a run resumes from there): the
    --results-dir, else ``<csv's name>-results/`` beside the CSV."""
    return Path(results_dir) if results_dir else csv_path.parent / f"{csv_path.stem}-results"


def _on_cluster(items, csv_path: Path, results_dir, scheduler: str, resume: bool):
    from autograder.cluster import ClusterError
    from autograder.cluster.batch import grade_on_cluster

    out = cluster_results_dir(csv_path, results_dir)
    try:
        return grade_on_cluster(items, out, scheduler=scheduler, resume=resume,
                                progress=lambda total, done: tqdm(
                                    total=total, initial=done, desc="grading",
                                    unit="submission"))
    except ClusterError as e:
        raise CommandError(str(e)) from e
    except KeyboardInterrupt:
        raise CommandError(f"interrupted: the results that arrived are in {out}; run the same "
                           "command with --resume to grade only the rest") from None
