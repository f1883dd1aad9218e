"""Start the worker in a restricted process, and make sure that nothing it started survives.

The restrictions (see the README's security model; :func:`mode` probes which this machine
allows, strongest first, the first worker being the probe where it can: :func:`first_mode`;
:attr:`Sandbox.protections` says which are in force):

* its own session and process group, its own scratch folder as working directory and home, a
  minimal environment, stdin/stdout/stderr on /dev/null (set by the worker itself); the worker's
  scripts in a separate folder that it can read but not change;
* never root's powers: as root, a uid of this sandbox's own (:func:`isolation.free_uid`) with
  no capability left and no group; as a plain user, no capability either; ``no_new_privs``;
* as root, a private mount namespace where the machine allows it (:class:`isolation.MountPlan`):
  the Python shown even where it lives under a folder others cannot enter (``/root``), ``/dev``
  holding only null, zero, random and urandom, the scratch folder a tmpfs of bounded size and
  file count; elsewhere a watchdog thread bounds the scratch folder; as root with neither a
  namespace nor a Python others can run, no worker at all (:class:`SandboxError`);
* Landlock where the kernel has it (:mod:`autograder.engine.landlock`), whoever the user: reads
  only in the Python installation and system folders, writes only in the scratch folder, no TCP,
  no signals to the grader, no device but the four; a seccomp filter in every mode
  (:mod:`autograder.engine.seccomp`: no sockets, mknod, TIOCSTI, chmod/chown, ``kill(-1)``);
* resource limits: CPU seconds, data memory and address space (shared mappings included;
  lowered to fit a container with less memory, as Gradescope's: :func:`fitted`), file size,
  open files, no core files, and a number of processes (as its own uid, or under a grader that
  is not root, this many more than the grader's user has);
* the grader is a child subreaper (Linux ``prctl``), so processes that the submission detaches
  (double fork, new session) are re-parented to the grader and are found and killed at cleanup,
  along with every process that carries this sandbox's token or runs as its uid.
"""
from __future__ import annotations

import ctypes
import functools
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.engine import isolation, landlock, seccomp

ENGINE = Path(__file__).resolve().parent
PR_SET_CHILD_SUBREAPER = 36
TOKEN_VARIABLE = "AUTOGRADER_SANDBOX"
WATCH_INTERVAL_S = 0.2


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
    scratch_bytes: int = 64 * 2 ** 20
    """the scratch folder's size, all files together (a tmpfs as root, else a watchdog)"""
    scratch_files: int = 4096
    """files and folders in the scratch folder"""


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


class SandboxError(Exception):
    """No way to start the worker without root's powers here (the grading stops, saying so)."""


@dataclass(frozen=True)
class Mode:
    """Which protections the worker starts under on this machine (see :func:`mode`)."""

    namespace: bool
    """a private mount namespace (root only): the Python shown, /dev cut down, tmpfs scratch"""
    landlock: bool
    seccomp: bool


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


def _ruleset(read: list[str], write: list[str], torch: bool) -> landlock.Ruleset:
    devices = list(isolation.DEVICES)
    if torch:
        devices += isolation.glob.glob(isolation.GPU_DEVICES)
    return landlock.Ruleset(read=_python_folders() + read, write=write, devices=devices)


def _scratch_for(uid: int | None) -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="ag-worker-"))
    if uid is not None:
        os.chown(scratch, uid, uid)
    scratch.chmod(0o700)
    return scratch


def landlock_wanted() -> bool:
    """Landlock is on unless ``AUTOGRADER_LANDLOCK=off`` (for a machine where it gets in the way;
    the tests use it to check the other protections alone). The seccomp filter, the user and the
    namespace do not depend on it."""
    return os.environ.get("AUTOGRADER_LANDLOCK", "on").strip().lower() not in ("off", "0", "no")


def namespace_wanted() -> bool:
    """As root, the worker gets a private mount namespace unless ``AUTOGRADER_NAMESPACE=off``
    (the tests use it to check a root grader where namespaces are forbidden, as in a container)."""
    return os.environ.get("AUTOGRADER_NAMESPACE", "on").strip().lower() not in ("off", "0", "no")


def _candidates() -> list[Mode]:
    """The modes to try, strongest first."""
    lock = [True, False] if landlock_wanted() and landlock.abi() >= 1 else [False]
    if os.geteuid() == 0:  # the worker never stays root: without a way, no worker at all
        spaces = (True, False) if namespace_wanted() else (False,)
        return [Mode(ns, ll, True) for ns in spaces for ll in lock]
    return [Mode(False, ll, True) for ll in lock] + [Mode(False, False, False)]


@functools.lru_cache(maxsize=16)
def _mode(torch: bool, switches: tuple[bool, bool], euid: int) -> Mode:
    for candidate in _candidates():
        probe = _Confinement.make(Limits(), torch=torch, mode=candidate, engine=None)
        try:
            if _starts(probe.apply, torch, str(probe.scratch)):
                return candidate
        finally:
            probe.close()
    raise SandboxError(
        "expected a way to run the worker without root's powers, got none: an unprivileged "
        f"user cannot run {sys.executable} and this machine allows no private mount namespace "
        "(or AUTOGRADER_NAMESPACE=off says not to use one); "
        "the fix: install Python where others can read it (/usr/local, /opt), or run the grader "
        "where mount namespaces are allowed, or as a user that is not root")


def _where(torch: bool) -> tuple:
    return torch, (landlock_wanted(), namespace_wanted()), os.geteuid()


_WORKED: dict[tuple, Mode] = {}
"""the mode a worker came up in, or a probe chose, by :func:`_where` (this process only)"""


def mode(torch: bool = False) -> Mode:
    """The strongest mode in which the worker starts here (probed once per process)."""
    found = _mode(*_where(torch))
    _WORKED[_where(torch)] = found
    return found


def first_mode(torch: bool = False) -> tuple[Mode, bool]:
    """The mode a new sandbox starts its worker in, and whether it is known to work here.

    Known: the one a worker of this process came up in, or that :func:`mode` chose. Else, for
    the numpy track, the strongest candidate, unprobed: probing starts a Python that imports
    numpy, a tenth of a grading, and the first worker is as good a probe (a worker that does
    not come up in it makes the sandbox probe then: :meth:`Sandbox.settle`). The torch track is
    always probed: its worker must also reach the GPU, which coming up does not show."""
    known = _WORKED.get(_where(torch))
    if known is not None:
        return known, True
    if torch:
        return mode(torch), True
    return _candidates()[0], False


class _Confinement:
    """What :meth:`apply` does in the child, between fork and exec, for one worker."""

    def __init__(self, limits: Limits, *, torch: bool, mode: Mode, scratch: Path,
                 engine: Path | None, uid: int | None):
        self.limits, self.torch, self.mode = limits, torch, mode
        self.scratch, self.engine, self.uid = scratch, engine, uid
        self.last_cap = isolation.last_capability()
        self.nproc: int | None = None
        self.landlock = None
        self.landlock_rules = ([str(engine)] if engine else [], [str(scratch)], torch)
        if mode.landlock and not mode.namespace:
            self.landlock = _ruleset(*self.landlock_rules)
        self.mounts = None
        if mode.namespace:
            needed = _python_folders() + [str(scratch)] + ([str(engine)] if engine else [])
            self.mounts = isolation.MountPlan.build(
                [f for f in needed if f not in ("/proc", "/sys")], scratch=str(scratch), uid=uid,
                scratch_bytes=limits.scratch_bytes, scratch_files=limits.scratch_files, gpu=torch)

    @classmethod
    def make(cls, limits: Limits, *, torch: bool, mode: Mode, engine: Path | None):
        uid = isolation.free_uid() if os.geteuid() == 0 else None
        return cls(limits, torch=torch, mode=mode, scratch=_scratch_for(uid), engine=engine,
                   uid=uid)

    def describe(self) -> list[str]:
        found = []
        if self.uid is not None:
            found.append(f"a uid of its own (from {isolation.UID_BASE} up), no capabilities, "
                         "no_new_privs")  # not the number: regrading gives identical bytes
        else:
            found.append(f"the grader's user (uid {os.geteuid()}), no capabilities, "
                         "no_new_privs")
        if self.mounts is not None:
            found.append(self.mounts.describe())
        else:
            found.append(f"scratch watched: {self.limits.scratch_bytes // 2 ** 20} MB and "
                         f"{self.limits.scratch_files} files")
        if self.mode.landlock:
            found.append(f"landlock ABI {landlock.abi()}")
        if self.mode.seccomp and seccomp.SUPPORTED:
            found.append("seccomp (no sockets, mknod, TIOCSTI, chmod/chown)")
        return found

    def apply(self) -> None:  # runs in the child, between fork and exec
        limits = self.limits
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
        if not self.torch:  # torch maps far more than it uses; its worker gets no memory limit
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_AS, (limits.address_space_bytes,
                                                    limits.address_space_bytes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if self.mounts is not None:  # 1. mounts (Landlock forbids them once applied)
            self.mounts.apply()
            if self.mode.landlock:  # a rule must name the tmpfs itself, not the folder under it
                self.landlock = _ruleset(*self.landlock_rules)
        isolation.set_no_new_privs()
        if self.landlock is not None:  # 2. Landlock and seccomp
            self.landlock.restrict_self()
        if self.mode.seccomp:
            seccomp.install()
        if self.uid is not None:  # 3. leave root: a uid of this grading's own, no capability
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
            isolation.drop_privileges(self.uid, self.last_cap)
        else:
            if self.nproc is not None:
                resource.setrlimit(resource.RLIMIT_NPROC, (self.nproc, self.nproc))
            isolation.drop_capabilities(self.last_cap)

    def close(self) -> None:
        if self.landlock is not None:
            self.landlock.close()
            self.landlock = None
        isolation.remove_tree(self.scratch)


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
    """One scratch folder and the processes started in it. Use as a context manager.
    Raises :class:`SandboxError` where the worker could only run as root."""

    def __init__(self, limits: Limits | None = None, torch: bool = False):
        self.limits = fitted(Limits()) if limits is None else limits
        self.torch = torch
        self.token = secrets.token_hex(8)
        self.mode, self.settled = first_mode(torch)
        become_subreaper()
        self.children_before = self._my_children()
        # the worker's scripts: readable by the worker, never writable (a changed worker.py
        # would be what the next restart runs)
        self.engine = Path(tempfile.mkdtemp(prefix="ag-engine-"))
        for name in ("worker.py", "wire.py"):
            shutil.copy(ENGINE / name, self.engine / name)
            (self.engine / name).chmod(0o644)
        self.engine.chmod(0o755)
        self.proc: subprocess.Popen | None = None
        self.overflow = ""
        """why the watchdog stopped the worker (its scratch folder grew too large), once"""
        self._forking = threading.Lock()
        self._stop_watch = threading.Event()
        self._watchdog = None
        self._confine()

    def _confine(self) -> None:
        """The confinement of :attr:`mode`: a scratch folder and a uid of its own; a watchdog on
        the scratch folder where no tmpfs bounds it."""
        self.confinement = _Confinement.make(self.limits, torch=self.torch, mode=self.mode,
                                             engine=self.engine)
        self.scratch = self.confinement.scratch
        self.uid = self.confinement.uid
        if self.confinement.mounts is None and self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, daemon=True)
            self._watchdog.start()

    def came_up(self) -> None:
        """The worker started and answered in :attr:`mode`: it works here (and later sandboxes
        of this process start in it)."""
        self.settled = True
        _WORKED.setdefault(_where(self.torch), self.mode)

    def settle(self) -> bool:
        """The worker did not come up in a mode taken unprobed (:func:`first_mode`): probe, and
        take the mode found. True when it differs (start the worker again); False when the
        mode was probed already or the probe chose it too (the failure is not the mode's).
        Raises :class:`SandboxError` when no mode works here."""
        if self.settled:
            return False
        self.settled = True
        found = mode(self.torch)
        if found == self.mode:
            return False
        self.kill_all(self.proc)
        with self._forking:  # the watchdog reads the scratch folder: change it between looks
            self.confinement.close()
            self.mode = found
            self._confine()
        return True

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def protections(self) -> list[str]:
        """What confines the worker, in words (for results.json, the instructor and the tests)."""
        return self.confinement.describe()

    def seen(self, path: Path) -> Path:
        """Where the grader sees ``path`` as the worker sees it: through the worker's own root
        while it runs in a mount namespace (its scratch folder is a tmpfs there), else itself."""
        if self.confinement.mounts is None or self.proc is None or self.proc.poll() is not None:
            return Path(path)
        return Path(f"/proc/{self.proc.pid}/root") / Path(path).resolve().relative_to("/")

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

    def start(self) -> tuple[subprocess.Popen, int, int]:
        """The worker process, the fd the grader writes requests to and the fd it reads replies
        from."""
        self.confinement.nproc = None
        if self.uid is None and os.geteuid() != 0:
            self.confinement.nproc = _tasks_of(os.getuid()) + self.limits.processes
        req_read, req_write = os.pipe()
        resp_read, resp_write = os.pipe()
        cmd = [sys.executable, "-I", str(self.engine / "worker.py"), str(req_read), str(resp_write)]
        try:
            with self._forking:  # the watchdog holds no lock while the child runs Python code
                if self.proc is not None:  # a restart starts from an empty folder in every
                    self._empty_scratch()  # mode (a tmpfs is new with each namespace anyway)
                proc = subprocess.Popen(cmd, cwd=self.scratch, env=self._environment(),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL,
                                        pass_fds=(req_read, resp_write), start_new_session=True,
                                        preexec_fn=self.confinement.apply)
                self.proc = proc
        except (OSError, subprocess.SubprocessError):  # the confinement failed in the child
            for fd in (req_read, req_write, resp_read, resp_write):
                os.close(fd)
            if self.settle():
                return self.start()
            raise
        os.close(req_read)
        os.close(resp_write)
        return proc, req_write, resp_read

    # ------------------------------------------------------------------------- the scratch folder
    def _watch(self) -> None:
        """Where no tmpfs bounds the scratch folder: stop the worker once the folder holds more
        than ``scratch_bytes`` or ``scratch_files``, and empty it (best effort: checked a few
        times a second, so a fast writer gets a little past the limit first)."""
        limits = self.limits
        while not self._stop_watch.wait(WATCH_INTERVAL_S):
            with self._forking:
                size, count = isolation.usage(self.scratch, limits.scratch_bytes,
                                              limits.scratch_files)
                if size <= limits.scratch_bytes and count <= limits.scratch_files:
                    continue
                self.overflow = (f"your code wrote more than {limits.scratch_bytes // 2 ** 20} MB "
                                 f"or {limits.scratch_files} files in its working folder, the "
                                 "most it may; the process that runs it was stopped")
                self.kill_all(self.proc)
                self._empty_scratch()

    def take_overflow(self) -> str:
        """The watchdog's message, if it stopped the worker since the last call ('' if not);
        waits for the watchdog to finish emptying the folder first."""
        with self._forking:
            message, self.overflow = self.overflow, ""
        return message

    def _empty_scratch(self) -> None:
        for entry in list(os.scandir(self.scratch)):
            if entry.is_dir(follow_symlinks=False):
                isolation.remove_tree(Path(entry.path))
            else:
                try:
                    os.unlink(entry.path)
                except OSError:
                    pass

    # ------------------------------------------------------------------------- stopping
    def _my_children(self) -> set[int]:
        me = str(os.getpid())
        return {pid for pid in _proc_ids() if _status(pid).get("PPid") == me}

    def strays(self) -> list[int]:
        """Every live process this sandbox started (directly or not): new children of the
        grader, processes with this sandbox's token, and every process of its own uid (a uid
        that belongs to this sandbox alone, never another grading's)."""
        found = []
        uid = str(self.uid) if self.uid is not None else None
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
                    or (uid is not None and uid in status.get("Uid", "").split()))
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
        self._stop_watch.set()
        if self._watchdog is not None:
            self._watchdog.join()
        self.kill_all(self.proc)
        self.confinement.close()  # the scratch folder too, however deep
        isolation.remove_tree(self.engine)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
