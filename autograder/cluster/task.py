"""What a dask worker runs: one task grades one submission, with the local batch's own function.

:func:`grade_packed` checks that this machine's code version is the client's, lays the packed
entry out in a temporary folder, grades it with :func:`autograder.batchgrade.grade_entry`
(``python -m autograder grade ENTRY`` in a process of its own: the sandbox, the limits and the
file rule of every path) and returns the record and the ``results.json`` bytes as data.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.batchgrade import Graded, grade_entry
from autograder.cluster.pack import Packed, unpack
from autograder.cluster.version import CodeVersion, check_same, code_version


@dataclass
class Arrived:
    """What one task sends back."""

    record: Graded
    """the batch's record (its ``entry`` is the worker's temporary path: the client sets its own)"""
    results: bytes | None
    """the results.json the grading wrote (None when it wrote none)"""
    worker: str
    """the dask worker's address"""
    seconds: float


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):  # called outside a dask worker (a test, a debugger)
        return "this process"


def worker_version() -> CodeVersion:
    """This machine's code version (run on every worker by the client before it submits)."""
    return code_version()


def grade_packed(packed: Packed, expected: CodeVersion) -> Arrived:
    """Grade one packed entry here; :class:`VersionMismatch` when this machine's code is not
    ``expected`` (then nothing is graded)."""
    started = time.perf_counter()
    check_same(expected, code_version(), f"the dask worker {_worker_address()}")
    with tempfile.TemporaryDirectory(prefix="ag-cluster-") as tmp:
        entry = unpack(packed, Path(tmp) / "entry")
        results = Path(tmp) / "results.json"
        record = grade_entry(entry, results)
        data = results.read_bytes() if results.is_file() else None
    return Arrived(record, data, _worker_address(), time.perf_counter() - started)
