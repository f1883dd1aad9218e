"""``python -m autograder``: a thin command line over the library (one module per subcommand).

Each subcommand module has ``add_parser(subparsers)`` and ``run(args) -> int``. Library code
raises typed errors; only this layer turns them into one ``ERROR ...`` line and an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

SUBCOMMANDS = ("build", "grade", "verify", "demo")
CHECKOUT_ONLY = ("build", "verify", "demo")
"""subcommands that need a checkout of the repository (``grade`` also runs installed)"""


class CommandError(Exception):
    """The command could not run; the message is one line for the user."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"autograder.cli.{name}")
        module.add_parser(sub)
        modules[name] = module
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if args.command in CHECKOUT_ONLY:
            _require_checkout(args.command)
        return modules[args.command].run(args)
    except CommandError as e:
        print(f"ERROR {e}", file=sys.stderr)
        return 2


def _require_checkout(command: str) -> None:
    from autograder.paths import NotACheckout, require_checkout

    try:
        require_checkout(f"python -m autograder {command}")
    except NotACheckout as e:
        raise CommandError(str(e)) from e
