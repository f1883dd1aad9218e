"""The worker's resource limits, fitted to the memory this machine or container can give."""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


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
