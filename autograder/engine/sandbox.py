"""Start the worker in a restricted process, and make sure that nothing it started survives.

The restrictions (see the README's security model):

* its own session and process group, its own scratch folder as working directory and home, a
  minimal environment, stdin/stdout/stderr on /dev/null (set by the worker itself);
* when the grader is root: an unprivileged user (``ag-student`` if it exists, else ``nobody``)
  that owns only the scratch folder, so it cannot read the hidden tests, the reference or the
  results folder (Gradescope's ``setup.sh`` makes ``/autograder/source`` root-only);
* resource limits: CPU seconds, data memory, file size, no core files, and (as that user) a
  number of processes;
* the grader is a child subreaper (Linux ``prctl``), so processes that the submission detaches
  (double fork, new session) are re-parented to the grader and are found and killed at cleanup,
  along with every process that carries this sandbox's token or runs as the sandbox user.
"""
from __future__ import annotations

import ctypes
import functools
import os
import pwd
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ENGINE = Path(__file__).resolve().parent
PR_SET_CHILD_SUBREAPER = 36
TOKEN_VARIABLE = "AUTOGRADER_SANDBOX"


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 600
    """CPU seconds for one worker's life (a backstop: the grader enforces wall-clock limits)"""
    memory_bytes: int = 1536 * 2 ** 20
    """RLIMIT_DATA: the worker's heap and private mappings"""
    file_bytes: int = 64 * 2 ** 20
    processes: int = 64
    """RLIMIT_NPROC, applied only when the worker runs as its own user (it counts per user)"""


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


@functools.lru_cache(maxsize=1)
def sandbox_user() -> pwd.struct_passwd | None:
    """The user the worker runs as, or None to run it as the grader's own user: when the grader
    is not root, or when no unprivileged user can start this Python with numpy (an interpreter
    under /root, as on a developer's machine; on Gradescope the system Python is used)."""
    if os.geteuid() != 0:
        return None
    for name in ("ag-student", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        if _can_run_python(user):
            return user
    return None


def _drop_to(user: pwd.struct_passwd) -> None:
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)


def _can_run_python(user: pwd.struct_passwd) -> bool:
    try:
        done = subprocess.run([sys.executable, "-I", "-c", "import numpy"], cwd="/",
                              env={"PATH": "/usr/bin:/bin"}, capture_output=True, timeout=60,
                              preexec_fn=lambda: _drop_to(user))
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _proc_ids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _has_token(pid: int, token: str) -> bool:
    try:
        return f"{TOKEN_VARIABLE}={token}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


class Sandbox:
    """One scratch folder and the processes started in it. Use as a context manager."""

    def __init__(self, limits: Limits = Limits(), torch: bool = False):
        self.limits = limits
        self.torch = torch
        self.user = sandbox_user()
        self.token = secrets.token_hex(8)
        self.scratch = Path(tempfile.mkdtemp(prefix="ag-worker-"))
        become_subreaper()
        self.children_before = self._my_children()
        for name in ("worker.py", "wire.py"):
            shutil.copy(ENGINE / name, self.scratch / name)
        if self.user is not None:
            os.chown(self.scratch, self.user.pw_uid, self.user.pw_gid)
            for path in self.scratch.iterdir():
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self.scratch.chmod(0o700)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------------- starting
    def _environment(self) -> dict[str, str]:
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.scratch),
               "TMPDIR": str(self.scratch), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": str(self.scratch), "PYTHONHASHSEED": "0",
               "PYTHONDONTWRITEBYTECODE": "1", TOKEN_VARIABLE: self.token}
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"  # one thread: less memory, the same sums on every run
        if self.torch and "CUDA_VISIBLE_DEVICES" in os.environ:
            env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
        return env

    def _restrict(self) -> None:  # runs in the child, between fork and exec
        limits = self.limits
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
        if not self.torch:  # torch maps far more than it uses; its worker gets no data limit
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            _drop_to(self.user)

    def start(self) -> tuple[subprocess.Popen, int, int]:
        """The worker process, the fd the grader writes requests to, the fd it reads replies from."""
        req_read, req_write = os.pipe()
        resp_read, resp_write = os.pipe()
        cmd = [sys.executable, "-I", str(self.scratch / "worker.py"), str(req_read), str(resp_write)]
        proc = subprocess.Popen(cmd, cwd=self.scratch, env=self._environment(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, pass_fds=(req_read, resp_write),
                                start_new_session=True, preexec_fn=self._restrict)
        os.close(req_read)
        os.close(resp_write)
        return proc, req_write, resp_read

    # ------------------------------------------------------------------------- stopping
    def _my_children(self) -> set[int]:
        me = str(os.getpid())
        return {pid for pid in _proc_ids() if _status(pid).get("PPid") == me}

    def strays(self) -> list[int]:
        """Every live process this sandbox started (directly or not)."""
        found = []
        uid = str(self.user.pw_uid) if self.user is not None else None
        new_children = self._my_children() - self.children_before
        for pid in _proc_ids():
            if pid == os.getpid():
                continue
            status = _status(pid)
            if not status or status.get("State", "").startswith("Z"):
                if pid in new_children:
                    _reap(pid)
                continue
            mine = (pid in new_children or _has_token(pid, self.token)
                    or (uid is not None and status.get("Uid", "").split("\t")[0] == uid))
            if mine:
                found.append(pid)
        return found

    def kill_all(self, proc: subprocess.Popen | None = None) -> None:
        """Kill the worker, its process group and every stray; reap what is ours."""
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.kill()
        if proc is not None:
            proc.wait()
        for _ in range(50):  # a fork bomb may race us for a while
            pids = self.strays()
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

    def close(self) -> None:
        self.kill_all()
        shutil.rmtree(self.scratch, ignore_errors=True)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
