"""Finding and killing every process a sandbox started: the grader is a child subreaper, so
detached processes come back to it; a sandbox's processes carry its token or run as its uid."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

PR_SET_CHILD_SUBREAPER = 36
TOKEN_VARIABLE = "AUTOGRADER_SANDBOX"


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _proc_ids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def tasks_of(uid: int) -> int:
    """How many processes and threads run as ``uid`` (what RLIMIT_NPROC counts)."""
    total = 0
    for pid in _proc_ids():
        status = _status(pid)
        if status.get("Uid", "").split("\t")[0] == str(uid):
            total += int(status.get("Threads", "1").strip() or 1)
    return total


def _has_token(pid: int, token: str) -> bool:
    try:
        return f"{TOKEN_VARIABLE}={token}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def my_children() -> set[int]:
    me = str(os.getpid())
    return {pid for pid in _proc_ids() if _status(pid).get("PPid") == me}


def strays(*, token: str, uid: int | None, children_before: set[int]) -> list[int]:
    """Every live process a sandbox started (directly or not): new children of the grader,
    processes with the sandbox's token, and every process of its own uid (a uid that belongs
    to that sandbox alone, never another grading's)."""
    found = []
    uid_text = str(uid) if uid is not None else None
    new_children = my_children() - children_before
    for pid in _proc_ids():
        if pid == os.getpid():
            continue
        status = _status(pid)
        if not status or status.get("State", "").startswith("Z"):
            continue
        mine = (pid in new_children or _has_token(pid, token)
                or (uid_text is not None and uid_text in status.get("Uid", "").split()))
        if mine:
            found.append(pid)
    return found


def _group(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def kill_all(proc: subprocess.Popen | None, find_strays: Callable[[], list[int]],
             within: float = 10.0) -> None:
    """Kill the worker, its process group and every stray ``find_strays()`` finds.

    1) The worker's process group (the worker starts a session; the seccomp filter refuses
       ``setsid`` and ``setpgid``, so whatever it starts stays in the group): one ``killpg``
       reaches them all, forks in flight included; only while the group's id is still the
       worker's (the worker not yet reaped, or a stray found in the group).
    2) Every stray by pid, in rounds until none is left (a process that left the group where
       there is no filter, or one forked while a round was under way). Nothing killed is reaped
       here: a killed process keeps its slot under RLIMIT_NPROC until :func:`reap_zombies`, so
       a fork bomb cannot refill what killing frees (reaping as it went, the reaper lost that
       race on a loaded machine). ``within`` seconds bound the rounds."""
    group = None
    if proc is not None:
        if proc.returncode is None:  # not reaped: nothing else can have its pid as a group id
            _kill_group(proc.pid)
        group = proc.pid
        proc.kill()
        proc.wait()
    ends = time.monotonic() + within
    while True:
        pids = find_strays()
        if not pids or time.monotonic() > ends:
            return
        if group is not None and any(_group(pid) == group for pid in pids):
            _kill_group(group)  # the group has a member, so its id is still the worker's
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)  # a SIGKILLed process takes a moment to become a zombie


def reap_zombies(children_before: set[int]) -> None:
    """Reap the grader's children that have ended since ``children_before`` (detached
    processes come back to the grader, a child subreaper). After :func:`kill_all`, not during."""
    for pid in my_children() - children_before:
        if _status(pid).get("State", "").startswith("Z"):
            _reap(pid)
