"""Start the worker in a restricted process, and make sure that nothing it started survives.

The restrictions (see the README's security model):

* its own session and process group, its own scratch folder as working directory and home, a
  minimal environment, stdin/stdout/stderr on /dev/null (set by the worker itself); the worker's
  scripts in a separate folder that it can read but not change;
* when the grader is root: an unprivileged user (``ag-student`` if it exists, else ``nobody``)
  that owns only the scratch folder, so it cannot read the hidden tests, the reference or the
  results folder (Gradescope's ``setup.sh`` makes ``/autograder/source`` root-only);
* Landlock where the kernel has it (:mod:`autograder.engine.landlock`), whoever the user: reads
  only in the Python installation and system folders, writes only in the scratch folder, no TCP,
  no signals to the grader; a seccomp filter against what Landlock leaves open (``chmod``,
  ``chown``, ``utime``, xattrs: :mod:`autograder.engine.seccomp`); and ``no_new_privs`` (no
  set-user-id programs);
* resource limits: CPU seconds, data memory and address space (shared mappings included;
  lowered to fit a container with less memory, as Gradescope's: :func:`fitted`), file size,
  open files, no core files, and a number of processes (as that user, or under a grader that is
  not root; root is exempt from that limit);
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
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.engine import landlock, seccomp

ENGINE = Path(__file__).resolve().parent
PR_SET_CHILD_SUBREAPER = 36
TOKEN_VARIABLE = "AUTOGRADER_SANDBOX"


@dataclass(frozen=True)
class Limits:
    cpu_s: int = 600
    """CPU seconds for one worker's life (a backstop: the grader enforces wall-clock limits)"""
    memory_bytes: int = 1536 * 2 ** 20
    """RLIMIT_DATA: the worker's heap and private mappings"""
    address_space_bytes: int = 2560 * 2 ** 20
    """RLIMIT_AS: everything mapped, shared memory included (RLIMIT_DATA does not count
    ``mmap(MAP_SHARED | MAP_ANONYMOUS)``)"""
    file_bytes: int = 64 * 2 ** 20
    open_files: int = 256
    processes: int = 64
    """RLIMIT_NPROC: processes and threads of the worker's user, as its own user; as the
    grader's (non-root) user, this many more than that user has when the worker starts"""


GRADER_RESERVE_BYTES = 256 * 2 ** 20
"""memory left to the grader (and the container's own processes) when the limits are fitted"""
FITTED_SLACK_BYTES = 256 * 2 ** 20
"""address space beyond the data limit when the limits are fitted: the interpreter's code and
libraries (numpy with one thread maps under 100 MB)"""
MIN_DATA_BYTES = 256 * 2 ** 20


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # cgroup v2 writes "max" for no limit


def available_memory_bytes() -> int | None:
    """The memory this machine or container can give: the smallest of the cgroup's limit (v2
    ``memory.max``, or v1 ``memory.limit_in_bytes``) and the physical memory; None if unknown."""
    found = [_read_int("/sys/fs/cgroup/memory.max"),
             _read_int("/sys/fs/cgroup/memory/memory.limit_in_bytes")]
    try:
        found.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError):
        pass
    found = [n for n in found if n]
    return min(found) if found else None


def fitted(limits: Limits, available: int | None = None) -> Limits:
    """``limits`` with the worker's memory limits lowered to fit ``available`` bytes (by default
    :func:`available_memory_bytes`), leaving the grader its reserve: on Gradescope's default
    768 MB container the worker gets 512 MB of data memory, so a submission that allocates too
    much fails its own call (MemoryError, or a crash the grader reports) instead of the whole
    container being killed, results.json unwritten."""
    available = available_memory_bytes() if available is None else available
    if available is None or available - GRADER_RESERVE_BYTES >= limits.memory_bytes:
        return limits
    data = max(MIN_DATA_BYTES, available - GRADER_RESERVE_BYTES)
    return replace(limits, memory_bytes=data,
                   address_space_bytes=min(limits.address_space_bytes, data + FITTED_SLACK_BYTES))


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
    return _starts(lambda: _drop_to(user))


def _starts(preexec, torch: bool = False, home: str = "/") -> bool:
    """Whether this Python can import numpy (and torch) with ``preexec`` applied."""
    code = "import numpy" + ("; import torch" if torch else "")
    if torch and os.path.exists("/dev/nvidiactl"):  # a GPU: CUDA must work in there too
        code += "; assert torch.cuda.is_available(); torch.ones(1, device='cuda').sum().item()"
    try:
        done = subprocess.run([sys.executable, "-I", "-c", code], cwd=home,
                              env={"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home},
                              capture_output=True, timeout=120, preexec_fn=preexec)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _python_folders() -> list[str]:
    """What the worker must read: the Python installation, its packages, the system folders."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
               os.path.dirname(os.path.realpath(sys.executable)),
               "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/sys"}
    folders |= {p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")}
    return sorted(f for f in folders if f and os.path.isdir(f))


def _ruleset(read: list[str], write: list[str]) -> landlock.Ruleset:
    return landlock.Ruleset(read=_python_folders() + read, write=write, devices=["/dev"])


def _scratch_for(user: pwd.struct_passwd | None) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="ag-worker-"))
    if user is not None:
        os.chown(scratch, user.pw_uid, user.pw_gid)
    scratch.chmod(0o700)
    return scratch


@functools.lru_cache(maxsize=2)
def seccomp_usable(torch: bool) -> bool:
    """Whether the worker starts under the seccomp filter here (checked once)."""
    return seccomp.SUPPORTED and _starts(seccomp.install, torch)


def landlock_wanted() -> bool:
    """Landlock is on unless ``AUTOGRADER_LANDLOCK=off`` (for a machine where it gets in the way;
    the tests use it to check the other protections alone)."""
    return os.environ.get("AUTOGRADER_LANDLOCK", "on").strip().lower() not in ("off", "0", "no")


@functools.lru_cache(maxsize=4)
def landlock_usable(user: pwd.struct_passwd | None, torch: bool) -> bool:
    """Whether the worker starts under Landlock here (checked once: a kernel or container that
    lacks it, or a Python installation outside the folders we allow, means no Landlock)."""
    if landlock.abi() < 1:
        return False
    home = _scratch_for(user)
    try:
        rules = _ruleset([], [str(home)])
    except OSError:
        shutil.rmtree(home, ignore_errors=True)
        return False

    def preexec():
        rules.restrict_self()
        if user is not None:
            _drop_to(user)

    try:
        return _starts(preexec, torch, str(home))
    finally:
        rules.close()
        shutil.rmtree(home, ignore_errors=True)


def _proc_ids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _tasks_of(uid: int) -> int:
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


class Sandbox:
    """One scratch folder and the processes started in it. Use as a context manager."""

    def __init__(self, limits: Limits | None = None, torch: bool = False):
        self.limits = fitted(Limits()) if limits is None else limits
        self.torch = torch
        self.user = sandbox_user()
        self.token = secrets.token_hex(8)
        become_subreaper()
        self.children_before = self._my_children()
        # the worker's scripts: readable by the worker, never writable (a changed worker.py
        # would be what the next restart runs)
        self.engine = Path(tempfile.mkdtemp(prefix="ag-engine-"))
        for name in ("worker.py", "wire.py"):
            shutil.copy(ENGINE / name, self.engine / name)
            (self.engine / name).chmod(0o644)
        self.engine.chmod(0o755)
        self.scratch = _scratch_for(self.user)
        self.landlock = None
        if landlock_wanted() and landlock_usable(self.user, torch):
            self.landlock = _ruleset([str(self.engine)], [str(self.scratch)])
        self.seccomp = landlock_wanted() and seccomp_usable(torch)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def protections(self) -> list[str]:
        """What confines the worker, in words (for the instructor's log and the tests)."""
        found = [f"user {self.user.pw_name}"] if self.user is not None else []
        if self.landlock is not None:
            found.append(f"landlock ABI {self.landlock.version}")
        if self.seccomp:
            found.append("seccomp")
        return found

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
        if not self.torch:  # torch maps far more than it uses; its worker gets no memory limit
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes,
                                                    limits.address_space_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.landlock is not None:
            self.landlock.restrict_self()  # sets no_new_privs too
        else:
            ctypes.CDLL(None).prctl(landlock.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if self.seccomp:
            seccomp.install()
        if self.user is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            _drop_to(self.user)
        elif self.nproc is not None:  # root is exempt from RLIMIT_NPROC: nothing to set
            resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))

    def start(self) -> tuple[subprocess.Popen, int, int]:
        """The worker process, the fd the grader writes requests to, the fd it reads replies from."""
        self.nproc = None
        if self.user is None and os.geteuid() != 0:
            self.nproc = _tasks_of(os.getuid()) + self.limits.processes
        req_read, req_write = os.pipe()
        resp_read, resp_write = os.pipe()
        cmd = [sys.executable, "-I", str(self.engine / "worker.py"), str(req_read), str(resp_write)]
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
        if self.landlock is not None:
            self.landlock.close()
            self.landlock = None
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.engine, ignore_errors=True)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
