"""``python -m autograder demo``: after a build, grade the reference solution and the untouched
template exactly as Gradescope would, and show both score tables."""
from __future__ import annotations

import argparse
from pathlib import Path

from autograder.cli import CommandError


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="grade the built solutions and the untouched template")
    p.add_argument("--out", type=Path, default=Path("dist"),
                   help="the build's folder (default: dist)")


def run(args: argparse.Namespace) -> int:
    from autograder.cli import main

    targets = {
        "the reference solution (solutions notebook)": args.out / "solutions" / "lecture16.ipynb",
        "the untouched student template": args.out / "student" / "lm_training.py",
    }
    for label, path in targets.items():
        if not path.exists():
            raise CommandError(f"expected {path} from a build; run `python -m autograder build` "
                               "first")
        print(f"\n== Grading {label}: {path}")
        results = args.out / "demo" / f"{path.parent.name}.json"
        code = main(["grade", str(path), "--results", str(results)])
        if code != 0:
            return code
    return 0
