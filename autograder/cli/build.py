"""``python -m autograder build [--out dist]``: student release, solutions, autograder zips."""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.cli import CommandError


def add_parser(sub) -> None:
    p = sub.add_parser("build", help="build the student release, the solutions and the "
                                     "autograder zips")
    p.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist)")
    p.add_argument("--no-execute", action="store_true",
                   help="do not run the solutions notebook (faster; no plots in it)")


def run(args: argparse.Namespace) -> int:
    from autograder.build.release import BuildError, build

    try:
        report = build(args.out, execute=not args.no_execute)
    except BuildError as e:
        raise CommandError(str(e)) from e
    for path in report.files:
        print(f"wrote {path}")
    if report.executed:
        print(f"ran {report.executed} top to bottom in a Jupyter kernel")
    return 0
