"""The pieces of the worker's sandbox that need root, and the scratch folder's upkeep.

* :func:`free_uid`: a user id that belongs to one grading alone (no passwd entry needed, no
  process or file of it found), so that cleanup can kill every process of that uid and touch
  nothing else (two gradings side by side never share a uid);
* :func:`drop_privileges`: from root to that uid with no capability left (bounding, ambient,
  effective, permitted, inheritable) and no supplementary group; :func:`drop_capabilities` for
  a grader that is not root (it may still hold some);
* :class:`MountPlan`: a private mount namespace (root only; a container may forbid it) in which
  the folders of the Python installation that the uid could not reach (a venv under ``/root``,
  mode 700) are shown read-only and nothing else of their parents, ``/dev`` holds only ``null``,
  ``zero``, ``random`` and ``urandom`` (and a GPU's files for the torch track), the scratch
  folder is a tmpfs of bounded size and file count, and every other mount is read-only (no
  file left in ``/tmp`` or ``/var/tmp``, no disk filled outside the scratch folder);
* :func:`usage` and :func:`remove_tree`: the scratch folder's size (for the watchdog where no
  tmpfs bounds it) and its removal, bottom-up with no recursion (a 3,000-deep tree is removed
  like a flat one).

Everything called in the child (between fork and exec) is imported here at module level.
"""
from __future__ import annotations

import ctypes
import errno
import glob
import grp
import os
import pwd
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

UID_BASE = 1_500_000_000
"""first uid used for gradings (far above the ranges of users and of containers' subuids)"""
UIDS_PER_PROCESS = 64
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
GPU_DEVICES = "/dev/nvidia*"
_counter = 0
_counter_lock = threading.Lock()


class IsolationError(OSError):
    """A step of the sandbox failed in the child (the worker is then not started)."""


_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise IsolationError(code, f"{what} failed: {os.strerror(code)}")


# ----------------------------------------------------------------------------- a uid per grading
def _owners_in(folders: tuple[str, ...]) -> set[int]:
    found = set()
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        found.add(entry.stat(follow_symlinks=False).st_uid)
                    except OSError:
                        pass
        except OSError:
            pass
    return found


def _process_uids() -> set[int]:
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:"):
                found.update(int(u) for u in line.split()[1:])
                break
    return found


def _unknown(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
        return False
    except KeyError:
        pass
    try:
        grp.getgrgid(uid)
        return False
    except KeyError:
        return True


def free_uid() -> int:
    """A uid (also used as the gid) for one sandbox: derived from this process's id and a
    counter, so that gradings running side by side never pick the same one, and checked to have
    no passwd or group entry, no process and no file in the shared temporary folders."""
    global _counter
    busy = _process_uids() | _owners_in(("/tmp", "/var/tmp", "/dev/shm"))
    for _ in range(UIDS_PER_PROCESS):
        with _counter_lock:  # sandboxes started by threads of one grader differ too
            _counter = (_counter + 1) % UIDS_PER_PROCESS
            uid = UID_BASE + os.getpid() * UIDS_PER_PROCESS + _counter
        if uid not in busy and _unknown(uid):
            return uid
    raise IsolationError(errno.EAGAIN, "expected a free uid for the sandbox, got none among "
                         f"the {UIDS_PER_PROCESS} of process {os.getpid()}")


# ----------------------------------------------------------------------------- capabilities
class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def last_capability() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 63


def drop_capabilities(last_cap: int) -> None:
    """Empty the bounding set (where allowed: root can), the ambient set, and the effective,
    permitted and inheritable sets (always allowed)."""
    for cap in range(last_cap + 1):
        _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)  # EPERM without CAP_SETPCAP: nothing to drop
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def drop_privileges(uid: int, last_cap: int) -> None:
    """From root to ``uid`` (gid ``uid``, no supplementary group), with no capability left."""
    for cap in range(last_cap + 1):
        _check(_libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"prctl(PR_CAPBSET_DROP, {cap})")
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    drop_capabilities(last_cap)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise IsolationError(errno.EPERM, "expected the worker to leave root, got uid 0")


# ----------------------------------------------------------------------------- mounts
def _mount(source, target: str, fstype, flags: int, data) -> None:
    def enc(s):
        return None if s is None else os.fsencode(s)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _blocked_ancestor(folder: str) -> str | None:
    """The highest strict ancestor of ``folder`` that others cannot enter (mode without o+x)."""
    parts = Path(folder).parts
    for i in range(1, len(parts)):
        ancestor = os.path.join(*parts[:i])
        try:
            if not os.stat(ancestor).st_mode & stat.S_IXOTH:
                return ancestor
        except OSError:
            return None
    return None


@dataclass
class MountPlan:
    """What the worker's private mount namespace holds (built in the grader, applied in the
    child by :meth:`apply`)."""

    scratch: str
    uid: int
    scratch_bytes: int
    scratch_files: int
    reveal: dict[str, list[str]] = field(default_factory=dict)
    """blocked folder -> the folders under it to show (read-only) on a tmpfs that hides it"""
    devices: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, needed: list[str], *, scratch: str, uid: int, scratch_bytes: int,
              scratch_files: int, gpu: bool) -> "MountPlan":
        reveal: dict[str, list[str]] = {}
        for folder in sorted({os.path.realpath(f) for f in needed}):
            top = _blocked_ancestor(folder)
            if top is None:
                continue
            keeps = reveal.setdefault(top, [])
            if not any(folder == k or folder.startswith(k + os.sep) for k in keeps):
                keeps.append(folder)
        devices = [d for d in DEVICES if os.path.exists(d)]
        if gpu:
            devices += sorted(d for d in glob.glob(GPU_DEVICES) if not os.path.isdir(d))
        return cls(scratch=scratch, uid=uid, scratch_bytes=scratch_bytes,
                   scratch_files=scratch_files, reveal=reveal, devices=devices)

    def describe(self) -> str:
        shown = (f"; {', '.join(sorted(self.reveal))} covered, the Python in it shown read-only"
                 if self.reveal else "")
        return (f"mount namespace (/dev: {' '.join(os.path.basename(d) for d in self.devices)}; "
                f"scratch tmpfs of {self.scratch_bytes // 2 ** 20} MB and "
                f"{self.scratch_files} files{shown})")

    def apply(self) -> None:
        """In the child, as root: a private mount namespace set up as planned."""
        os.umask(0o022)  # the folders made below must be enterable by the worker's uid
        _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
        # what to show again, opened before it is covered (in this namespace: a bind mount's
        # source must be one of its own mounts)
        keep_fds = {k: os.open(k, os.O_PATH | os.O_CLOEXEC)
                    for keeps in self.reveal.values() for k in keeps}
        device_fds = {d: os.open(d, os.O_PATH | os.O_CLOEXEC) for d in self.devices}
        for top, keeps in self.reveal.items():  # 1. the Python, not the rest of /root
            _mount("tmpfs", top, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=1m,nr_inodes=4096")
            for keep in keeps:
                os.makedirs(keep, exist_ok=True)
                self._bind(keep_fds[keep], keep)
            _mount(None, top, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None)
        # 2. the scratch folder: a tmpfs of bounded size and file count, the worker's own
        _mount("tmpfs", self.scratch, "tmpfs", MS_NOSUID | MS_NODEV,
               f"mode=700,uid={self.uid},gid={self.uid},size={self.scratch_bytes},"
               f"nr_inodes={self.scratch_files}")
        os.chdir(self.scratch)
        # 3. /dev with the allowed devices only
        _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755,size=64k,nr_inodes=256")
        for device, fd in device_fds.items():
            os.makedirs(os.path.dirname(device), exist_ok=True)
            os.close(os.open(device, os.O_CREAT | os.O_WRONLY, 0o666))
            self._bind(fd, device)
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"/dev/{name}")
        _mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, None)
        for fd in (*keep_fds.values(), *device_fds.values()):
            os.close(fd)
        _read_only_but(self.scratch)  # 4. nothing else writable: /tmp, /var/tmp, /run/lock...

    @staticmethod
    def _bind(fd: int, target: str) -> None:
        _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC, None)
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID, None)


MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": 8, "noatime": 1024,
               "nodiratime": 2048, "relatime": 1 << 21}


def _read_only_but(keep: str) -> None:
    """Make every mount of this namespace read-only (a per-mount flag: the filesystems stay
    writable outside), but ``keep``, each with its other flags as they were. A mount that
    refuses (a filesystem that cannot be bound read-only) is left as it is."""
    with open("/proc/self/mountinfo") as f:
        lines = f.read().splitlines()
    for line in lines:
        fields = line.split()
        target = fields[4].encode().decode("unicode_escape")  # "\040" for a space
        options = fields[5].split(",")
        if "ro" in options or target == keep:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option in options:
            flags |= MOUNT_FLAGS.get(option, 0)
        try:
            _mount(None, target, None, flags, None)
        except IsolationError:
            pass


# ----------------------------------------------------------------------------- the scratch folder
def usage(folder: Path, max_bytes: int, max_files: int) -> tuple[int, int]:
    """(bytes, entries) under ``folder``, counted without recursion; stops once either passes
    its maximum. Folders that cannot be listed (made with mode 0) are opened up first."""
    total, count, stack = 0, 0, [os.fspath(folder)]
    while stack and total <= max_bytes and count <= max_files:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except PermissionError:
            try:
                os.chmod(current, 0o700)
                entries = list(os.scandir(current))
            except OSError:
                continue
        except OSError:
            continue
        for entry in entries:
            count += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += info.st_blocks * 512
            if stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
    return total, count


def _open_dir(name: str, dir_fd: int | None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except PermissionError:  # a folder made with mode 0: ours to open up (same owner or root)
        os.chmod(name, 0o700, dir_fd=dir_fd, follow_symlinks=False)
        return os.open(name, flags, dir_fd=dir_fd)


def remove_tree(folder: Path) -> None:
    """Remove ``folder`` and everything in it, bottom-up and without recursion: one open folder
    at a time (plus its parent), a path of names instead of a call stack, so neither depth nor
    path length (past PATH_MAX) stops it. Links are removed, never followed. Never raises for
    what it cannot remove (it leaves that behind)."""
    folder = os.path.abspath(os.fspath(folder))
    try:
        fd = _open_dir(folder, None)
    except OSError:
        return
    names: list[str] = []  # the path from ``folder`` down to where fd is
    try:
        while True:
            descended = False
            try:
                entries = list(os.scandir(fd))
            except OSError:
                entries = []
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if not is_dir:
                    try:
                        os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        pass
                    continue
                try:  # go down into the first folder; the others on a later pass
                    child = _open_dir(entry.name, fd)
                except OSError:
                    continue
                os.close(fd)
                fd, descended = child, True
                names.append(entry.name)
                break
            if descended:
                continue
            if not names:  # back at the top, and it is empty
                break
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = parent
            name = names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:  # left behind (something could not be removed): skip it
                return
    finally:
        os.close(fd)
    try:
        os.rmdir(folder)
    except OSError:
        pass


def set_no_new_privs() -> None:
    _check(_libc.prctl(38, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
