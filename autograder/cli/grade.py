"""``python -m autograder grade``: one submission (``--results``), or a folder of them
(``--csv``)."""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.cli import CommandError


def add_parser(sub) -> None:
    p = sub.add_parser("grade", help="grade a submission, or a folder of submissions, as "
                                     "Gradescope would")
    p.add_argument("path", type=Path, help="a .ipynb, .py or .zip submission, or a folder of them")
    p.add_argument("--results", type=Path,
                   help="write Gradescope's results.json here (one submission)")
    p.add_argument("--csv", type=Path, help="write one row per submission here (a folder)")
    p.add_argument("--jobs", type=int, default=1, help="grade this many submissions at once")
    p.add_argument("--results-dir", type=Path, help="keep each submission's results.json here")
    p.add_argument("--term", type=Path,
                   help="the instructor's term settings (a JSON file with a \"term\" key: due "
                        "date, late policy, extensions, overrides, Canvas, similarity); "
                        "default: the \"term\" key of otter_config.json, if any")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade the folder on a dask cluster: a scheduler's address "
                        "(tcp://HOST:8786), or local:N for N worker processes here (--jobs is "
                        "then not used; needs pip install '.[cluster]')")
    p.add_argument("--resume", action="store_true",
                   help="with --scheduler: keep the results an interrupted run wrote into "
                        "--results-dir and grade only the rest")
    p.add_argument("--metadata", type=Path,
                   help="a Gradescope submission_metadata.json to read as Gradescope's run "
                        "would (the reveal before the due date counts the earlier submissions "
                        "in it); default: none, a first submission")
    p.add_argument("--quiet", action="store_true", help="print nothing (used by batch grading)")


def run(args: argparse.Namespace) -> int:
    if not args.path.exists():
        raise CommandError(f"expected a submission or a folder at {args.path}, found nothing")
    if args.metadata is not None and args.csv is not None:
        raise CommandError(f"--metadata is one submission's history; got "
                           f"metadata={args.metadata} with --csv (a folder of submissions)")
    if args.csv is not None:
        if not args.path.is_dir():
            raise CommandError(f"--csv grades a folder of submissions; {args.path} is a file")
        from autograder.cli.batch import grade_folder
        from autograder.paths import otter_config
        from autograder.term import TermError

        try:
            return grade_folder(args.path, args.csv, jobs=max(1, args.jobs),
                                results_dir=args.results_dir,
                                term_path=args.term or otter_config(),
                                scheduler=args.scheduler, resume=args.resume)
        except TermError as e:
            raise CommandError(str(e)) from e
    if args.scheduler is not None or args.resume:
        raise CommandError(f"--scheduler and --resume grade a folder with --csv; got "
                           f"path={args.path} without --csv")
    from autograder.engine.results import reserve_results, write_results
    from autograder.assignment import grade
    from autograder.report import score_table

    if args.results is not None:  # its place, before any student code runs (a full disk later)
        reserve_results(args.results, args.path.name)
    history = None
    if args.metadata is not None:
        from autograder.engine.reveal import read_metadata

        if not args.metadata.is_file():
            raise CommandError(f"expected a submission_metadata.json at {args.metadata}, "
                               "found nothing")
        history = read_metadata(args.metadata)
    result = grade(args.path, history=history)
    if args.results is not None:
        write_results(result, args.results)
    if not args.quiet:
        print(score_table(result))
    return 0
