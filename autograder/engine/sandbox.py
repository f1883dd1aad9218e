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

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from autograder.engine import isolation, reaper
from autograder.engine.confinement import Confinement, first_mode, mode, worked
from autograder.engine.limits import Limits, fitted

ENGINE = Path(__file__).resolve().parent
WATCH_INTERVAL_S = 0.2


class Sandbox:
    """One scratch folder and the processes started in it. Use as a context manager.
    Raises :class:`SandboxError` where the worker could only run as root."""

    def __init__(self, limits: Limits | None = None, torch: bool = False):
        self.limits = fitted(Limits()) if limits is None else limits
        self.torch = torch
        self.token = secrets.token_hex(8)
        self.mode, self.settled = first_mode(torch)
        reaper.become_subreaper()
        self.children_before = reaper.my_children()
        # the worker's scripts: readable by the worker, never writable (a changed worker.py
        # would be what the next restart runs)
        self.engine = Path(tempfile.mkdtemp(prefix="ag-engine-"))
        for name in ("worker.py", "worker_torch.py", "wire.py"):
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
        self.confinement = Confinement.make(self.limits, torch=self.torch, mode=self.mode,
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
        worked(self.torch, self.mode)

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
    def start(self) -> tuple[subprocess.Popen, int, int]:
        """The worker process, the fd the grader writes requests to and the fd it reads replies
        from."""
        self.confinement.nproc = None
        if self.uid is None and os.geteuid() != 0:
            self.confinement.nproc = reaper.tasks_of(os.getuid()) + self.limits.processes
        req_read, req_write = os.pipe()
        resp_read, resp_write = os.pipe()
        cmd = [sys.executable, "-I", str(self.engine / "worker.py"), str(req_read), str(resp_write)]
        try:
            with self._forking:  # the watchdog holds no lock while the child runs Python code
                if self.proc is not None:  # a restart starts from an empty folder in every
                    self._empty_scratch()  # mode (a tmpfs is new with each namespace anyway)
                env = _environment(self.scratch, self.token, self.torch)
                proc = subprocess.Popen(cmd, cwd=self.scratch, env=env,
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
    def strays(self) -> list[int]:
        """Every live process this sandbox started (see :func:`reaper.strays`)."""
        return reaper.strays(token=self.token, uid=self.uid, children_before=self.children_before)

    def kill_all(self, proc: subprocess.Popen | None = None) -> None:
        """Kill the worker, its process group and every stray; then reap what is ours."""
        reaper.kill_all(proc, self.strays)
        reaper.reap_zombies(self.children_before)

    def close(self) -> None:
        self._stop_watch.set()
        if self._watchdog is not None:
            self._watchdog.join()
        self.kill_all(self.proc)
        self.confinement.close()  # the scratch folder too, however deep
        isolation.remove_tree(self.engine)


def _environment(scratch: Path, token: str, torch: bool) -> dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(scratch),
           "TMPDIR": str(scratch), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(scratch), "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1", reaper.TOKEN_VARIABLE: token}
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # one thread: less memory, the same sums on every run
    if torch and "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env
