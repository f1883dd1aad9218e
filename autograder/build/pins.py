"""The versions pinned in requirements/*.txt, for files that install packages themselves (the
notebook's first cell, the GitHub Classroom workflow)."""
from __future__ import annotations

from autograder.paths import ROOT


def pinned(package: str, requirements: str) -> str:
    """``package==version`` as pinned in ``requirements/<requirements>``."""
    lines = (ROOT / "requirements" / requirements).read_text(encoding="utf-8").splitlines()
    pins = [line.strip() for line in lines if line.strip().lower().startswith(f"{package}==")]
    if len(pins) != 1:
        raise ValueError(f"expected one {package}==... line in requirements/{requirements}, "
                         f"got {pins}")
    return pins[0]
