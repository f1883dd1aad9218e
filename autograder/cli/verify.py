"""``python -m autograder verify``: the reference earns full marks, the untouched template earns
zero, every buggy catalog entry loses points in its own question, every correct entry none."""
from __future__ import annotations

import argparse

from autograder.cli import CommandError


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="check the hidden tests against the reference, the template "
                                      "and the catalog of buggy and correct solutions")
    p.add_argument("--jobs", type=int, default=1, help="grade this many submissions at once")
    p.add_argument("--only", default=None, help="only catalog entries whose name contains this")


def run(args: argparse.Namespace) -> int:
    from autograder.verify import VerifyError, verify

    try:
        report = verify(jobs=args.jobs, only=args.only)
    except VerifyError as e:
        raise CommandError(str(e)) from e
    print(report.render())
    return 0 if report.ok else 1
