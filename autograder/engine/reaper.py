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
            if pid in new_children:
                _reap(pid)
            continue
        mine = (pid in new_children or _has_token(pid, token)
                or (uid_text is not None and uid_text in status.get("Uid", "").split()))
        if mine:
            found.append(pid)
    return found


def kill_all(proc: subprocess.Popen | None, find_strays: Callable[[], list[int]]) -> None:
    """Kill the worker, its process group and every stray ``find_strays()`` finds; reap what
    is ours."""
    if proc is not None and proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.kill()
    if proc is not None:
        proc.wait()
    for _ in range(50):  # a fork bomb may race us for a while
        pids = find_strays()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)
        for pid in pids:
            _reap(pid)
