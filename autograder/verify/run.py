"""Grade the entries (in parallel processes) and judge each: one verify run, or a seed sweep."""
from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import Callable

from autograder.engine.config import GradingConfig, load_config
from autograder.hidden import cases
from autograder.questions import BY_ID, QUESTIONS
from autograder.verify.model import Entry, SweepReport, Verdict, VerifyReport, judge

Progress = Callable[[int, int, Verdict], None]


FURTHER_POINTS = 10.0
"""the extra credit verify grades the "Going further" part with when otter_config.json sets none:
at 0 points a bug there could lose nothing (5 points per question, as an instructor might set)"""


class VerifyError(Exception):
    """verify could not run (not: a check failed)."""


def _grade_entry(job: tuple[Entry, GradingConfig]) -> Verdict:
    from autograder.assignment import grade

    entry, config = job
    started = time.monotonic()
    verdict = judge(entry, grade(entry.path, config))
    verdict.seed, verdict.seconds = config.seed, time.monotonic() - started
    return verdict


def _grade_all(work: list[tuple[Entry, GradingConfig]], jobs: int,
               progress: Progress | None) -> list[Verdict]:
    """Verdicts in the order of ``work``; whole-submission entries start first (they take
    longest), so that the processes finish together."""
    for examples, seed in sorted({(c.examples_per_test, c.seed) for _, c in work},
                                 key=repr):
        cases.ensure(examples, seed)  # drawn once here, not by each process at once
    order = sorted(range(len(work)),
                   key=lambda i: (bool(work[i][0].graded), -len(work[i][0].graded)))
    verdicts: list[Verdict | None] = [None] * len(work)

    def done(i: int, verdict: Verdict) -> None:
        verdicts[i] = verdict
        if progress is not None:
            progress(sum(v is not None for v in verdicts), len(work), verdict)

    if jobs <= 1:
        for i in order:
            done(i, _grade_entry(work[i]))
    else:  # spawn: fresh interpreters, whatever the caller (pytest, a thread) has set up
        with ProcessPoolExecutor(max_workers=jobs,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_grade_entry, work[i]): i for i in order}
            for future in as_completed(futures):
                done(futures[future], future.result())
    return verdicts


def _config(examples_per_test: int | None) -> GradingConfig:
    config = replace(load_config(), shrink=False)  # same verdicts, no time spent minimizing
    if config.going_further_points <= 0:
        config = replace(config, going_further_points=FURTHER_POINTS)
    if examples_per_test is not None:
        config = replace(config, examples_per_test=examples_per_test)
    return config


def _entries(folder: Path, config: GradingConfig, only: str | None, full: bool) -> list[Entry]:
    from autograder.assignment import current
    from autograder.engine.runner import hidden_tests
    from autograder.verify.entries import write_entries

    try:
        entries = write_entries(folder, hidden_tests(config, current()), full=full, only=only)
    except ValueError as e:  # a catalog entry that no longer fits the reference
        raise VerifyError(str(e)) from e
    if not entries:
        raise VerifyError(f"expected a question id or the exact name of a catalog entry, got "
                          f"only={only!r}; the fix: one of {', '.join(q.id for q in QUESTIONS)}, "
                          "or a name from a report of the whole catalog (bug-..., correct-...)")
    return entries


def _reported(tests, entries: list[Entry], only: str | None) -> list[str]:
    """The hidden tests with points that the report covers: with ``only``, those of the
    selected question (or of the selected entry's question), else all."""
    questions = {only} if only in BY_ID else {e.question for e in entries if e.question}
    return [t.name for t in tests
            if t.points > 0 and (only is None or not questions or t.question in questions)]


def verify(jobs: int = 1, only: str | None = None, seed: int | None = None, *,
           full: bool = False, examples_per_test: int | None = None,
           progress: Progress | None = None) -> VerifyReport:
    """Grade every known submission (with ``only``: a question's, or one entry by its exact
    name; see :func:`~autograder.verify.entries.write_entries`) and judge each.
    ``seed``: hypothesis seed instead of the derandomized grading profile; ``full``: grade every
    question of every entry; ``examples_per_test`` overrides the configured budget."""
    from autograder.assignment import current
    from autograder.engine.runner import hidden_tests

    started = time.monotonic()
    config = replace(_config(examples_per_test), seed=seed)
    with tempfile.TemporaryDirectory(prefix="ag-verify-") as tmp:
        entries = _entries(Path(tmp), config, only, full)
        verdicts = _grade_all([(e, config) for e in entries], jobs, progress)
    names = _reported(hidden_tests(config, current()), entries, only)
    return VerifyReport(verdicts=verdicts, test_names=names, seconds=time.monotonic() - started)


def sweep(seeds: int, jobs: int = 1, only: str | None = None, *, full: bool = False,
          examples_per_test: int | None = None, progress: Progress | None = None) -> SweepReport:
    """Grade every entry but the template (it fails every test at its first call, whatever the
    examples) under the grading profile and under hypothesis seeds 1..``seeds``."""
    started = time.monotonic()
    base = _config(examples_per_test)
    runs: list[int | None] = [None, *range(1, seeds + 1)]
    with tempfile.TemporaryDirectory(prefix="ag-sweep-") as tmp:
        entries = [e for e in _entries(Path(tmp), base, only, full) if e.kind != "template"]
        work = [(e, replace(base, seed=s)) for s in runs for e in entries]
        verdicts = _grade_all(work, jobs, progress)
    report = SweepReport(seeds=runs)
    for verdict in verdicts:
        report.runs.setdefault(verdict.entry.name, []).append(verdict)
    report.seconds = time.monotonic() - started
    return report
