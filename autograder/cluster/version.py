"""The code version a grading depends on, as one hash: every dask worker must grade with the
client's.

What shapes a grade: the grader, the hidden tests and the question folders, the reference
(``autograder/``, ``reference/``, ``assignments/``: every file but caches and drawn case books),
the grading settings (``otter_config.json``) and the versions of Python, numpy and hypothesis.
The case book is drawn from exactly these (it records their hashes), so two machines that agree
here replay the same inputs.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.cluster import ClusterError
from autograder.paths import CONFIG_NAME, ROOT

PACKAGES = ("autograder", "reference", "assignments")
SKIPPED_DIRS = {"__pycache__", "_cases"}
"""compiled files, and the case books a checkout keeps (drawn from the sources hashed here)"""


class VersionMismatch(ClusterError):
    """A dask worker runs another version of the grading code than the client."""


@dataclass(frozen=True)
class CodeVersion:
    digest: str
    """one hash of all the parts (the first 16 hex digits)"""
    parts: tuple[tuple[str, str], ...]
    """(what, its hash or version): sources, otter_config.json, python, numpy, hypothesis"""

    def differences(self, other: CodeVersion) -> list[str]:
        """The parts that differ, as ``what: ours != theirs``."""
        theirs = dict(other.parts)
        return [f"{what}: {mine} != {theirs.get(what, 'missing')}" for what, mine in self.parts
                if theirs.get(what) != mine]


def _sources_hash(root: Path) -> str:
    h = hashlib.sha256()
    for package in PACKAGES:
        for top, dirs, files in os.walk(root / package):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                path = Path(top) / name
                if name.endswith(".pyc") or not path.is_file():
                    continue
                h.update(path.relative_to(root).as_posix().encode() + b"\0")
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:16]


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def code_version(root: Path = ROOT) -> CodeVersion:
    """This machine's version of everything a grading depends on (read from the files now: a
    checkout updated under a running worker reports its new version)."""
    config = root / CONFIG_NAME  # the grading process runs in ROOT: the config it reads
    config_hash = hashlib.sha256(config.read_bytes()).hexdigest()[:16] if config.is_file() \
        else "none"
    parts = (("sources", _sources_hash(root)), (CONFIG_NAME, config_hash),
             ("python", "%d.%d" % sys.version_info[:2]), ("numpy", _package_version("numpy")),
             ("hypothesis", _package_version("hypothesis")))
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return CodeVersion(digest, parts)


def check_same(mine: CodeVersion, theirs: CodeVersion, where: str) -> None:
    """Raise :class:`VersionMismatch` unless ``theirs`` (the version at ``where``) is ``mine``."""
    if theirs.digest != mine.digest:
        raise VersionMismatch(
            f"expected every dask worker to grade with this code version ({mine.digest}), got "
            f"{where} with version={theirs.digest} ({'; '.join(mine.differences(theirs))}); "
            "give every machine the same checkout and Python environment (same commit, same "
            "otter_config.json, same requirements), then run again (--resume keeps what is "
            "done)")
