"""The client: grade a batch's entries on a dask cluster and keep the local batch's records.

``--scheduler ADDRESS`` connects to a running scheduler (``dask scheduler``; workers started
with ``dask worker ADDRESS`` or dask-jobqueue); ``--scheduler local:N`` starts a
``LocalCluster`` of N worker processes here. Every worker must run the client's code version
(checked before anything is submitted, and again by every task, for workers that join later).

Nothing is lost: a dask worker that dies while grading has its submission graded again on
another (dask's scheduler does it; ``distributed.scheduler.allowed-failures``, 3 by default,
bounds the tries), and a submission that brings down every worker it lands on is recorded as
not finished, with a note; the others finish. Each results.json is written to the results
folder as it arrives, with the code version beside it (``.code-version.json``), so that an
interrupted run continues with ``--resume`` and grades only what is missing.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from autograder.batchgrade import Graded, read_record
from autograder.cluster import ClusterError
from autograder.cluster.pack import pack
from autograder.cluster.task import Arrived, grade_packed, worker_version
from autograder.cluster.version import CodeVersion, VersionMismatch, check_same, code_version

LOCAL = "local:"
CONNECT_TIMEOUT_S = 30
WAIT_FOR_WORKERS_S = 300
"""how long to wait for a first worker (a job queue may take minutes to start one)"""
MIN_WINDOW = 8
"""submissions sent ahead at least; 2 per worker thread otherwise (the rest wait here, so the
scheduler never holds a whole MOOC's notebooks)"""
STAMP = ".code-version.json"
"""in the results folder: the code version its results come from (entry names never start with
a dot, so no results.json can have this name)"""


@dataclass
class ClusterRun:
    records: list[Graded]
    """one per entry, in the entries' order"""
    scheduler: str
    workers: set[str] = field(default_factory=set)
    """the dask workers that sent a result"""
    graded: int = 0
    """entries graded by this run"""
    resumed: int = 0
    """entries read back from the results of an interrupted run (--resume)"""
    seconds: float = 0.0

    def summary(self) -> str:
        rate = 60 * self.graded / self.seconds if self.seconds > 0 else 0.0
        line = (f"dask cluster {self.scheduler}: {len(self.workers)} worker(s) took part, "
                f"{self.graded} submission(s) graded in {self.seconds:.1f} s "
                f"({rate:.1f} submissions a minute)")
        if self.resumed:
            line += f"; {self.resumed} graded already by the run resumed"
        return line


def _distributed():
    try:
        import distributed
    except ImportError as e:
        raise ClusterError(f"expected dask.distributed for --scheduler, got {e}; install the "
                           "optional extra: pip install '.[cluster]' (requirements/cluster.txt)"
                           ) from e
    return distributed


def _local_workers(scheduler: str) -> int:
    """N of ``local:N`` (0 for a scheduler's address)."""
    if not scheduler.startswith(LOCAL):
        return 0
    count = scheduler[len(LOCAL):]
    if not count.isdigit() or int(count) < 1:
        raise ClusterError(f"expected --scheduler local:N with N >= 1 worker processes, got "
                           f"scheduler={scheduler!r}; for example local:4")
    return int(count)


@contextmanager
def _connect(scheduler: str):
    distributed = _distributed()
    count = _local_workers(scheduler)
    if count:
        import logging

        with distributed.LocalCluster(n_workers=count, threads_per_worker=1,
                                      processes=True, dashboard_address="127.0.0.1:0",
                                      silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"expected a dask scheduler at {scheduler}, got {type(e).__name__}: "
                           f"{e}; start one (dask scheduler) and pass the address it prints, "
                           "e.g. --scheduler tcp://HOST:8786") from e
    with client:
        yield client


def _check_workers(client, mine: CodeVersion, scheduler: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS_S)
    except (TimeoutError, OSError) as e:
        raise ClusterError(f"expected at least one dask worker at {scheduler} within "
                           f"{WAIT_FOR_WORKERS_S} s, got none; start workers there (dask worker "
                           f"{scheduler}, from the checkout, see the README)") from e
    try:  # dask unpickles the tasks on the scheduler too: it needs the grader's code
        theirs = client.run_on_scheduler(worker_version)
    except Exception as e:
        raise ClusterError(f"expected the dask scheduler at {scheduler} to load the grader (it "
                           f"reads the tasks), got {type(e).__name__}: {_first_line(e)}; start "
                           "it from the checkout (PYTHONPATH=CHECKOUT dask scheduler) or pip "
                           "install the checkout into its environment") from e
    check_same(mine, theirs, f"the dask scheduler at {scheduler}")
    for address, theirs in sorted(client.run(worker_version, on_error="return").items()):
        if isinstance(theirs, BaseException):
            raise ClusterError(f"expected the dask worker {address} to load the grader, got "
                               f"{type(theirs).__name__}: {_first_line(theirs)}; start it from "
                               "the checkout "
                               "(PYTHONPATH=CHECKOUT dask worker ...) or pip install the "
                               "checkout into its environment")
        check_same(mine, theirs, f"the dask worker {address}")


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [""])[0]


def _check_stamp(results_dir: Path, mine: CodeVersion) -> None:
    """The results to resume come from this code version."""
    path = results_dir / STAMP
    try:
        theirs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ClusterError(f"expected {path} (the code version of the run to resume), got "
                           f"{type(e).__name__}; pass the --results-dir of a run made with "
                           "--scheduler, or run without --resume to grade everything") from e
    if not isinstance(theirs, dict) or theirs.get("digest") != mine.digest:
        got = theirs.get("digest") if isinstance(theirs, dict) else theirs
        raise ClusterError(f"expected the results in {results_dir} to come from this code "
                           f"version ({mine.digest}), got version={got}; run without --resume "
                           "to grade everything again with this one")


def _prepare(results_dir: Path, mine: CodeVersion, regraded: list[Path]) -> None:
    """The results folder, stamped with this code version; the results of ``regraded`` from an
    earlier run removed (a run resumed later must not take them for this one's)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    for entry in regraded:
        (results_dir / f"{entry.name}.json").unlink(missing_ok=True)
    _write(results_dir / STAMP, json.dumps({"digest": mine.digest, "parts": dict(mine.parts)},
                                           indent=1).encode())


def _write(path: Path, data: bytes) -> None:
    """Atomically: a reader (or a run resumed after a crash) sees the old file or the new."""
    fd, tmp = tempfile.mkstemp(prefix=".writing-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _outcome(future) -> Arrived | str:
    """The task's result, or why there is none (a note); VersionMismatch stops the run."""
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except VersionMismatch:
        raise
    except KilledWorker as e:
        return (f"grading did not finish: the dask worker grading it died {e.allowed_failures + 1}"
                " times (a submission that brings its machine down, or machines that went "
                "away); the other submissions were graded")
    except Exception as e:  # one entry that cannot be graded must not stop the batch
        return f"could not be graded on the cluster: {type(e).__name__}: {_first_line(e)}"


def _results(client, todo: list[Path], mine: CodeVersion) -> Iterator[tuple[Path, object]]:
    """(entry, Arrived or a note) for every entry of ``todo``, as they finish; at most a window
    of them is on the cluster at a time."""
    from distributed import as_completed

    waiting, running, done = iter(todo), {}, as_completed()
    unpackable: list[tuple[Path, str]] = []

    def fill() -> None:
        window = max(MIN_WINDOW, 2 * sum(client.nthreads().values()))
        while done.count() < window:
            entry = next(waiting, None)
            if entry is None:
                return
            try:
                packed = pack(entry)
            except OSError as e:
                unpackable.append((entry, f"could not be graded: {type(e).__name__}: {e}"))
                continue
            future = client.submit(grade_packed, packed, mine, pure=False)
            running[future.key] = entry
            done.add(future)

    fill()
    while unpackable:
        yield unpackable.pop()
    for future in done:
        entry = running.pop(future.key)
        outcome = _outcome(future)
        future.release()
        fill()
        yield entry, outcome
        while unpackable:
            yield unpackable.pop()


def grade_on_cluster(items: list[Path], results_dir: Path, *, scheduler: str,
                     resume: bool = False,
                     progress: Callable[[int, int], object] | None = None) -> ClusterRun:
    """Grade ``items`` on the cluster at ``scheduler`` (an address, or ``local:N``), writing
    each results.json into ``results_dir`` as it arrives. With ``resume``, the entries whose
    results are there already (from this code version) are read back, not graded again.
    ``progress(total, done_already)`` returns a bar with ``update(n)`` and ``close()``.
    Nothing in ``results_dir`` changes before the cluster was reached and checked."""
    mine, results_dir = code_version(), Path(results_dir)
    _local_workers(scheduler)  # a malformed local:N is said at once
    records: dict[str, Graded] = {}
    if resume:
        _check_stamp(results_dir, mine)
        for entry in items:
            if (record := read_record(entry, results_dir / f"{entry.name}.json")) is not None:
                records[entry.name] = record
    run = ClusterRun([], scheduler, resumed=len(records))
    todo = [e for e in items if e.name not in records]
    if todo:
        with _connect(scheduler) as client:
            _check_workers(client, mine, scheduler)
            _prepare(results_dir, mine, [] if resume else todo)
            bar = progress(len(items), len(records)) if progress else None
            started = time.perf_counter()
            try:
                for entry, outcome in _results(client, todo, mine):
                    records[entry.name] = _keep(entry, outcome, results_dir, run)
                    if bar is not None:
                        bar.update(1)
            finally:
                run.seconds = time.perf_counter() - started
                if bar is not None:
                    bar.close()
    run.records = [records[e.name] for e in items]
    return run


def _keep(entry: Path, outcome, results_dir: Path, run: ClusterRun) -> Graded:
    """The record of one arrival; its results.json written at once."""
    path = results_dir / f"{entry.name}.json"
    if isinstance(outcome, str):
        path.unlink(missing_ok=True)
        return Graded(submission=entry.name, entry=entry, note=outcome)
    record = outcome.record
    record.entry = entry
    if outcome.results is not None:
        _write(path, outcome.results)
    run.workers.add(outcome.worker)
    run.graded += 1
    return record
