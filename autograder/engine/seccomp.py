"""A seccomp filter for what the other protections leave open.

Landlock controls reading, writing, creating, renaming and deleting files, not ``chmod``,
``chown``, ``utime``, extended attributes or (before its ABI 3) ``truncate(path)``; and a kernel
or a switch may leave Landlock off altogether. The filter makes these system calls fail with
EPERM in every mode (also in the worker's scratch folder: grading code never needs them):

* changing files' metadata (``chmod``, ``chown``, ``utime``, xattrs, ``truncate(path)``): a
  worker that runs as the grader's own user could otherwise make the grader's files unreadable;
* ``mknod``/``mknodat``: no device nodes or FIFOs in the scratch folder;
* ``ioctl(fd, TIOCSTI)`` and ``ioctl(fd, TIOCLINUX)``: no input pushed into a terminal;
* ``socket()`` of every family: the worker talks to the grader over two pipes it inherits and
  needs no socket (no session bus, no ``docker.sock``, no network); ``socketpair`` stays (it
  reaches nothing outside the worker);
* ``io_uring_setup``: io_uring requests are not seen by seccomp (they could open sockets);
* ``kill`` with a negative pid (``kill(-1)``: every process the worker may signal, which for a
  grader that is not root includes another grading's processes; ``kill(-pgid)``): a process is
  signalled by its own pid only;
* ``setsid`` and ``setpgid``: every process the worker starts stays in the worker's process
  group, which the grader kills with one ``killpg`` (forks in flight included: a fork bomb
  cannot outrun it, as it outran killing by pid on a loaded machine). Grading code never
  starts a session (``subprocess.Popen(start_new_session=True)`` fails there).

System calls made through another architecture's numbering (i386 or x32 on x86_64: the old
``socketcall`` multiplexer among them) are all refused, since they would get around the filter.

x86_64 and aarch64 only; elsewhere :data:`SUPPORTED` is False and nothing is filtered.
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | errno.EPERM
X32_BIT = 0x40000000
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0_LOW, OFFSET_ARG1_LOW = 0, 4, 16, 24  # seccomp_data, LE
SIGN_BIT = 0x80000000

METADATA = ("truncate", "chmod", "fchmod", "chown", "fchown", "lchown", "utime", "setxattr",
            "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr", "utimes",
            "fchownat", "futimesat", "fchmodat", "utimensat", "fchmodat2")
DENIED = METADATA + ("mknod", "mknodat", "socket", "io_uring_setup", "setsid", "setpgid")

ARCHES = {  # machine: (AUDIT_ARCH_*, {name: number})
    "x86_64": (0xC000003E, {"ioctl": 16, "socket": 41, "kill": 62, "truncate": 76, "chmod": 90,
                            "fchmod": 91, "chown": 92, "fchown": 93, "lchown": 94,
                            "setpgid": 109, "setsid": 112, "utime": 132,
                            "mknod": 133, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190,
                            "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199,
                            "utimes": 235, "mknodat": 259, "fchownat": 260, "futimesat": 261,
                            "fchmodat": 268, "utimensat": 280, "io_uring_setup": 425,
                            "fchmodat2": 452}),
    "aarch64": (0xC00000B7, {"setxattr": 5, "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14,
                             "lremovexattr": 15, "fremovexattr": 16, "ioctl": 29, "mknodat": 33,
                             "truncate": 45, "fchmod": 52, "fchmodat": 53, "fchownat": 54,
                             "fchown": 55, "utimensat": 88, "kill": 129, "setpgid": 154,
                             "setsid": 157, "socket": 198, "io_uring_setup": 425,
                             "fchmodat2": 452}),
}
MACHINE = platform.machine()
SUPPORTED = MACHINE in ARCHES


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _assemble(code: list[tuple]) -> bytes:
    """BPF instructions whose jump targets may be labels: a label is a string in ``code``
    (it marks the next instruction), a jump names it."""
    where, count = {}, 0
    for item in code:
        if isinstance(item, str):
            where[item] = count
        else:
            count += 1
    out, i = b"", 0
    for item in code:
        if isinstance(item, str):
            continue
        op, jt, jf, k = item
        jt, jf = [where[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf)]
        if not 0 <= jt < 256 or not 0 <= jf < 256:
            raise ValueError(f"expected a forward jump under 256, got jt={jt}, jf={jf}")
        out += struct.pack("=HBBI", op, jt, jf, k)
        i += 1
    return out


def _program() -> bytes:
    arch, numbers = ARCHES[MACHINE]
    code = [(LD_W_ABS, 0, 0, OFFSET_ARCH), (JEQ_K, 0, "deny", arch), (LD_W_ABS, 0, 0, OFFSET_NR)]
    if MACHINE == "x86_64":
        code.append((JGE_K, "deny", 0, X32_BIT))
    code += [(JEQ_K, "deny", 0, numbers[name]) for name in sorted(DENIED) if name in numbers]
    code += [(JEQ_K, "ioctl", 0, numbers["ioctl"]), (JEQ_K, "kill", 0, numbers["kill"]),
             (RET_K, 0, 0, RET_ALLOW),
             "kill", (LD_W_ABS, 0, 0, OFFSET_ARG0_LOW),  # pid_t: 32 bits
             (JSET_K, "deny", 0, SIGN_BIT),  # kill(-1) or kill(-pgid): every process it may
             (RET_K, 0, 0, RET_ALLOW),       # signal, another grading's among them
             "ioctl", (LD_W_ABS, 0, 0, OFFSET_ARG1_LOW),  # the kernel reads cmd as 32 bits
             (JEQ_K, "deny", 0, TIOCSTI), (JEQ_K, "deny", 0, TIOCLINUX),
             (RET_K, 0, 0, RET_ALLOW),
             "deny", (RET_K, 0, 0, RET_EPERM)]  # BPF jumps only forward
    return _assemble(code)


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
