"""Landlock (Linux 5.13 and later): confine what the worker can touch, even as the grader's user.

The worker (and every process it starts) may read and execute only the Python installation and
the system folders, read the engine's scripts, and write only inside its scratch folder: not the
hidden tests, the reference, the results file or the grader's own files, wherever they are. With
Landlock ABI 4 it cannot open TCP connections; with ABI 6 it cannot signal processes outside its
sandbox (the grader) or reach their abstract UNIX sockets. Of ``/dev`` it may open only the
device files it is given (``/dev/null``, ``/dev/zero``, ``/dev/random``, ``/dev/urandom``; a GPU's
for the torch track). Landlock also keeps it from tracing the
grader or reading ``/proc/<grader>/{mem,environ,cwd,fd}``.

Without Landlock (an older kernel, or a container whose seccomp profile forbids the calls),
:func:`abi` is 0 and nothing is restricted here: the unprivileged user and the resource limits
remain (see :mod:`autograder.engine.sandbox`).
"""
from __future__ import annotations

import ctypes
import functools
import os
import stat
import struct

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every arch
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

# filesystem rights (LANDLOCK_ACCESS_FS_*)
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REFER, TRUNCATE = 1 << 13, 1 << 14
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE  # the rights a rule on a file may hold
FS_V1 = (1 << 13) - 1  # execute .. make_sym
READ = EXECUTE | READ_FILE | READ_DIR
# network rights (ABI 4) and scopes (ABI 6)
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1


@functools.lru_cache(maxsize=1)
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _syscall(*args) -> int:
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(*[ctypes.c_long(a) if isinstance(a, int) else a for a in args])


@functools.lru_cache(maxsize=1)
def abi() -> int:
    """The kernel's Landlock ABI version, 0 when Landlock cannot be used."""
    try:
        version = _syscall(SYS_CREATE_RULESET, None, 0, CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def handled_fs(version: int) -> int:
    rights = FS_V1
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    return rights  # IOCTL_DEV (ABI 5) stays unhandled: a GPU's device files need ioctl


class Ruleset:
    """A Landlock ruleset, built in the grader; :meth:`restrict_self` applies it in the child
    (between fork and exec). ``read`` folders: read and execute; ``write`` folders: everything;
    ``devices``: device files (``/dev/null``) that may be opened for reading and writing, and
    no other file of ``/dev``."""

    def __init__(self, read: list[str], write: list[str], devices: list[str]):
        self.version = abi()
        if self.version < 1:
            raise OSError("Landlock is not available")
        fs = handled_fs(self.version)
        attr = [fs]
        if self.version >= 4:
            attr.append(NET_BIND_TCP | NET_CONNECT_TCP)  # no rule allows any port
        if self.version >= 6:
            attr += [0] * (2 - len(attr)) + [SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL]
        buf = ctypes.create_string_buffer(struct.pack(f"={len(attr)}Q", *attr))
        fd = _syscall(SYS_CREATE_RULESET, buf, len(buf.raw), 0)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
        self.fd = int(fd)
        try:
            file_rights = READ_FILE | WRITE_FILE | (TRUNCATE if self.version >= 3 else 0)
            for paths, rights in ((read, READ), (write, fs), (devices, file_rights)):
                for path in paths:
                    self._allow(path, rights & fs)
        except BaseException:
            self.close()
            raise

    def _allow(self, path: str, rights: int) -> None:
        try:
            parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return  # a folder that does not exist here (/lib64 on some systems)
        try:
            if not stat.S_ISDIR(os.fstat(parent).st_mode):
                rights &= FILE_ONLY  # a rule on a file holds only file rights
            rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, parent))
            if _syscall(SYS_ADD_RULE, self.fd, RULE_PATH_BENEATH, rule, 0) < 0:
                raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
        finally:
            os.close(parent)

    def restrict_self(self) -> None:
        """Confine the calling process and its future children (no way back)."""
        libc = _libc()
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if _syscall(SYS_RESTRICT_SELF, self.fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
