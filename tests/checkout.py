"""What several test files need about the checkout and the assignment as configured: commands
whose failure shows their output, a copy of the checkout as git sees it (tracked files and new
ones not ignored), and the totals derived from the question table (never a copied number)."""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

from autograder.engine.config import load_config
from autograder.paths import ROOT
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS

FAST = dataclasses.replace(load_config(), examples_per_test=5)
"""the configured grading at 5 examples per test, for a test about anything but the hidden
tests' power (the file rule, a message, a score): a correct solution scores full marks at any
budget, and the tests that use it share one book of inputs"""


def run_checked(args: list[str], *, tail: int = 3000, **kwargs) -> subprocess.CompletedProcess:
    """``subprocess.run(args, **kwargs)`` that fails with the command, its exit status and the
    tails of its output (a bare ``CalledProcessError`` shows none of them)."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    done = subprocess.run(args, **kwargs)
    if done.returncode != 0:
        out, err = (_text(done.stdout), _text(done.stderr))
        raise AssertionError(f"expected exit status 0, got {done.returncode} from "
                             f"{' '.join(map(str, args))} (cwd={kwargs.get('cwd', '.')})\n"
                             f"--- stdout (tail)\n{out[-tail:]}\n--- stderr (tail)\n{err[-tail:]}")
    return done


def _text(data) -> str:
    if data is None:
        return "(not captured)"
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def checkout_files(skip: tuple[str, ...] = ()) -> list[str]:
    """The checkout's files as git sees them: tracked, and new ones that are not ignored (a new
    reference module an instructor has not staged yet), without the top folders in ``skip``."""
    listed = run_checked(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                 cwd=ROOT).stdout.split("\0")
    return [rel for rel in dict.fromkeys(filter(None, listed))
            if rel.split("/")[0] not in (".venv", *skip) and (ROOT / rel).is_file()]


def copy_checkout(to: Path, skip: tuple[str, ...] = ()) -> Path:
    """Copy :func:`checkout_files` under ``to``; on failure, remove what was copied."""
    try:
        for rel in checkout_files(skip):
            (to / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, to / rel)
    except BaseException:
        shutil.rmtree(to, ignore_errors=True)
        raise
    return to


def numpy_total() -> float:
    """What the numpy track is graded out of: the sum of its questions' ``POINTS``."""
    return sum(q.points for q in NUMPY_QUESTIONS)


def full_score(config=None) -> float:
    """The reference's score: the numpy track's total and the configured extra credit of the
    "Going further" part (otter_config.json; the torch track's is 0 unless enabled)."""
    if config is None:
        from autograder.engine.config import load_config

        config = load_config()
    return numpy_total() + (config.going_further_points if FURTHER_QUESTIONS else 0)


def owner(function: str) -> str:
    """The id of the question that teaches ``function``."""
    from autograder.questions import QUESTIONS

    owners = [q.id for q in QUESTIONS if function in q.functions]
    assert owners, f"expected a question whose FUNCTIONS hold {function!r}, got none"
    return owners[0]


def reaching(*functions: str) -> set[str]:
    """The questions a bug in ``functions`` may cost: those whose functions are one of them or
    call one (directly or not) in the reference, by the hidden tests' own call graph."""
    from autograder.hidden.callees import callees
    from autograder.questions import ALL_FUNCTIONS, QUESTIONS

    def calls(name: str, seen: frozenset = frozenset()) -> set[str]:
        inner = set(callees(name, ALL_FUNCTIONS)) - seen
        return inner.union(*(calls(g, seen | inner | {name}) for g in inner))

    return {q.id for q in QUESTIONS
            if any(f in functions or calls(f) & set(functions) for f in q.functions)}
