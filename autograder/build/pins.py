"""The versions pinned in requirements/*.txt, for files that install packages themselves (the
notebook's first cell, the GitHub Classroom workflow)."""
from __future__ import annotations

from autograder.paths import ROOT


def _applies(line: str, python: str) -> bool:
    """A requirement line's environment marker (``; python_version < "3.11"``) holds for
    ``python``."""
    if ";" not in line:
        return True
    from packaging.markers import Marker

    return Marker(line.split(";", 1)[1]).evaluate({"python_version": python})


def pinned(package: str, requirements: str, python: str = "3.11") -> str:
    """``package==version`` as pinned in ``requirements/<requirements>`` for ``python``."""
    lines = (ROOT / "requirements" / requirements).read_text(encoding="utf-8").splitlines()
    pins = [line.split(";", 1)[0].strip() for line in lines
            if line.strip().lower().startswith(f"{package}==") and _applies(line, python)]
    if len(pins) != 1:
        raise ValueError(f"expected one {package}==... line in requirements/{requirements}, "
                         f"got {pins}")
    return pins[0]
