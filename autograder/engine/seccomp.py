"""A seccomp filter for what Landlock leaves open: changing files' metadata.

Landlock controls reading, writing, creating, renaming and deleting files, not ``chmod``,
``chown``, ``utime``, extended attributes or (before its ABI 3) ``truncate(path)``. A worker that
runs as the grader's own user could otherwise make the grader's files unreadable (``chmod 0``)
or change who owns them. The filter makes those system calls fail with EPERM (also in the
worker's scratch folder: grading code never needs them) and refuses every system call made
through another architecture's numbering (i386 or x32 on x86_64), which would get around it.

x86_64 and aarch64 only; elsewhere :data:`SUPPORTED` is False and nothing is filtered.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LD_W_ABS, JEQ_K, JGE_K, RET_K = 0x20, 0x15, 0x35, 0x06
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | errno.EPERM
X32_BIT = 0x40000000

ARCHES = {  # machine: (AUDIT_ARCH_*, {name: number})
    "x86_64": (0xC000003E, {"truncate": 76, "chmod": 90, "fchmod": 91, "chown": 92,
                            "fchown": 93, "lchown": 94, "utime": 132, "setxattr": 188,
                            "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197,
                            "lremovexattr": 198, "fremovexattr": 199, "utimes": 235,
                            "fchownat": 260, "futimesat": 261, "fchmodat": 268,
                            "utimensat": 280, "fchmodat2": 452}),
    "aarch64": (0xC00000B7, {"setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14,
                             "lremovexattr": 15, "fremovexattr": 16, "truncate": 45,
                             "fchmod": 52, "fchmodat": 53, "fchownat": 54, "fchown": 55,
                             "utimensat": 88, "fchmodat2": 452}),
}
MACHINE = platform.machine()
SUPPORTED = MACHINE in ARCHES


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _program() -> bytes:
    arch, numbers = ARCHES[MACHINE]
    code = [(LD_W_ABS, 0, 0, 4), (JEQ_K, 0, "deny", arch), (LD_W_ABS, 0, 0, 0)]
    if MACHINE == "x86_64":
        code.append((JGE_K, "deny", 0, X32_BIT))
    code += [(JEQ_K, "deny", 0, n) for n in sorted(numbers.values())]
    code += [(RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, RET_EPERM)]
    deny = len(code) - 1
    out = b""
    for i, (op, jt, jf, k) in enumerate(code):
        jt, jf = [deny - i - 1 if j == "deny" else j for j in (jt, jf)]
        out += struct.pack("=HBBI", op, jt, jf, k)
    return out


def install() -> None:
    """Install the filter on the calling process and its future children (no way back).
    Raises OSError when the kernel refuses."""
    if not SUPPORTED:
        return
    code = _program()
    buffer = ctypes.create_string_buffer(code, len(code))
    program = _Program(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")
