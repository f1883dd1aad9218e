"""How the worker is confined: the modes this machine allows (probed once per process, strongest
first) and the :class:`Confinement` applied in the child between fork and exec (rlimits, mounts,
Landlock, seccomp, a uid of its own). See :mod:`autograder.engine.sandbox` for the whole list."""
from __future__ import annotations

import functools
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.engine import isolation, landlock, seccomp
from autograder.engine.limits import Limits


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
        probe = Confinement.make(Limits(), torch=torch, mode=candidate, engine=None)
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


class Confinement:
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


def worked(torch: bool, found: Mode) -> None:
    """A worker came up in ``found``: later sandboxes of this process start in it."""
    _WORKED.setdefault(_where(torch), found)
