"""Timing and memory of commands: wall time, and the resident memory of a process tree.

Memory method (Linux): while the command runs, every ``SAMPLE_S`` seconds the process tree
under it (found through the parent pid in ``/proc/<pid>/stat``; the grader is a child subreaper,
so a worker that detaches stays in its tree) is read from ``/proc/<pid>/status``:

* ``peak_sum_mb``: the sum over the tree's processes of each one's own peak (``VmHWM``, last
  seen): grader + worker(s), each at its peak; an upper bound of their peak together;
* ``peak_together_mb``: the largest sum of the processes' current ``VmRSS`` seen in one sample
  (the figure for a batch, whose processes come and go);
* ``largest_mb``: the largest single process's peak RSS, from ``wait4``'s ``ru_maxrss`` of the
  command (it covers the command and every descendant it waited for).

RSS counts shared pages (the Python interpreter, numpy's libraries) in every process.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

SAMPLE_S = 0.1
"""seconds between two samples of a process tree"""
KB = 1024


@dataclass
class Run:
    """One run of a command."""

    wall_s: float
    returncode: int
    peak_sum_mb: float
    peak_together_mb: float
    largest_mb: float
    processes: int
    """how many processes the tree held, over the whole run"""

    def as_dict(self) -> dict:
        return asdict(self)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after ")"
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants alive now."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in kB; (0, 0) when it is gone or not readable."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


def pin_prefix(core: int | None) -> list[str]:
    """``taskset -c CORE`` (the command and everything it starts run on that core only)."""
    if core is None:
        return []
    if shutil.which("taskset") is None:
        raise RuntimeError("expected the taskset command (util-linux) to pin to one core")
    return ["taskset", "-c", str(core)]


def first_core() -> int:
    return min(os.sched_getaffinity(0))


@contextlib.contextmanager
def cpu_quota(cores: float, name: str = "ag-bench-quota") -> Iterator[Path | None]:
    """A cgroup whose processes together get at most ``cores`` CPUs (a CFS quota, as a
    container's CPU limit: Gradescope's default is half a CPU); yields the file a process joins
    it by (its ``cgroup.procs``), or None where no cgroup can be made (not root, no cpu
    controller). cgroup v2 (``cpu.max``) or v1 (``cpu.cfs_quota_us``)."""
    period = 100_000
    quota = int(cores * period)
    made = None
    try:
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        if v2.is_file() and "cpu" in v2.read_text().split():
            made = Path("/sys/fs/cgroup") / name
            made.mkdir(exist_ok=True)
            (made / "cpu.max").write_text(f"{quota} {period}")
        elif Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").is_file():
            made = Path("/sys/fs/cgroup/cpu") / name
            made.mkdir(exist_ok=True)
            (made / "cpu.cfs_period_us").write_text(str(period))
            (made / "cpu.cfs_quota_us").write_text(str(quota))
    except OSError:
        made = None
    try:
        yield None if made is None else made / "cgroup.procs"
    finally:
        if made is not None:
            with contextlib.suppress(OSError):
                made.rmdir()


def run(cmd: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
        timeout_s: float = 1800, core: int | None = None, log: Path | None = None,
        cgroup: Path | None = None) -> Run:
    """Run ``cmd`` (pinned to ``core``, in the cgroup whose ``cgroup.procs`` is ``cgroup``,
    when given), sampling its process tree's memory."""
    out = open(log, "wb") if log else subprocess.DEVNULL

    def join_cgroup() -> None:  # in the child, before exec: all it starts stays inside
        if cgroup is not None:
            cgroup.write_text(str(os.getpid()))

    started = time.perf_counter()
    try:
        proc = subprocess.Popen([*pin_prefix(core), *cmd], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                preexec_fn=join_cgroup if cgroup is not None else None)
        peaks: dict[int, int] = {}
        together = 0
        status, usage = None, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            current = 0
            for p in tree(proc.pid):
                rss, hwm = memory_kb(p)
                current += rss
                if hwm:
                    peaks[p] = max(peaks.get(p, 0), hwm)
            together = max(together, current)
            if time.perf_counter() - started > timeout_s:
                for p in tree(proc.pid)[::-1]:
                    try:
                        os.kill(p, 9)
                    except OSError:
                        pass
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    largest = usage.ru_maxrss if usage is not None else 0  # kB on Linux
    return Run(wall_s=wall, returncode=proc.returncode,
               peak_sum_mb=max(sum(peaks.values()), largest) / KB,
               peak_together_mb=max(together, largest) / KB, largest_mb=largest / KB,
               processes=max(len(peaks), 1))

