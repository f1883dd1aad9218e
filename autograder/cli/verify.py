"""``python -m autograder verify``: the reference earns full marks, the untouched template earns
zero, every buggy catalog entry loses points in its own question, every correct entry none.
``--seeds N`` re-grades every entry under N other hypothesis seeds: no verdict may change."""
from __future__ import annotations

import argparse
import sys

from autograder.cli import CommandError


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="check the hidden tests against the reference, the template "
                                      "and the catalog of buggy and correct solutions")
    p.add_argument("--jobs", type=int, default=1, help="grade this many submissions at once")
    p.add_argument("--only", default=None, metavar="ID_OR_NAME",
                   help="only this question's entries (its id, exactly: q2_causal_mask) and "
                        "its hidden tests in the report, or one entry by its exact name")
    p.add_argument("--seed", type=int, default=None,
                   help="hypothesis seed instead of the derandomized grading profile")
    p.add_argument("--seeds", type=int, default=None, metavar="N",
                   help="seed sweep: grade every entry under the grading profile and under "
                        "seeds 1..N; fails if any verdict changes (slow)")
    p.add_argument("--full", action="store_true",
                   help="grade every question of every entry (by default a catalog entry is "
                        "graded on the questions its changed functions can reach)")


def _progress(done: int, total: int, verdict) -> None:
    seed = "" if verdict.seed is None else f" (seed {verdict.seed})"
    mark = "FAIL" if verdict.problem else "ok"
    print(f"[{done}/{total}] {mark:<4} {verdict.entry.name}{seed} {verdict.seconds:.1f} s",
          file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from autograder.verify import VerifyError, sweep, verify

    if args.jobs < 1 or (args.seeds is not None and args.seeds < 1):
        raise CommandError("expected --jobs >= 1 and --seeds >= 1")
    if args.seeds is not None and args.seed is not None:
        raise CommandError("expected --seed or --seeds, not both")
    try:
        if args.seeds is not None:
            report = sweep(args.seeds, jobs=args.jobs, only=args.only, full=args.full,
                           progress=_progress)
        else:
            report = verify(jobs=args.jobs, only=args.only, seed=args.seed, full=args.full,
                            progress=_progress)
    except VerifyError as e:
        raise CommandError(str(e)) from e
    print(report.render())
    return 0 if report.ok else 1
