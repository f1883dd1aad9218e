"""Where things live: in a checkout of the repository, or in an installed package.

``pip install .`` installs ``autograder``, ``reference`` and ``assignments`` (with the question
texts and the corpus), which is all that grading needs; ``ROOT`` is then ``site-packages``.
The grading settings come from :func:`otter_config`. Building the release, ``verify`` and the
bench also need what only a checkout has (``requirements/``): they call
:func:`require_checkout`.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "reference"
ASSIGNMENT = ROOT / "assignments" / "lecture16"
CONFIG_NAME = "otter_config.json"
OTTER_CONFIG = ROOT / CONFIG_NAME
"""the checkout's grading settings (the ones the build puts into the Gradescope zip)"""


class NotACheckout(Exception):
    """A command that needs a checkout of the repository ran from an installed package."""


def otter_config() -> Path | None:
    """The grading settings to use: ``otter_config.json`` in the current folder, else the one
    beside the code (a checkout, or Gradescope's ``/autograder/source``); None when there is
    neither (an installed package run elsewhere: the defaults of ``GradingConfig`` apply)."""
    for candidate in (Path.cwd() / CONFIG_NAME, OTTER_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def is_checkout() -> bool:
    """The code runs from a checkout of the repository (not from an installed package)."""
    return (ROOT / "pyproject.toml").is_file() and (ROOT / "requirements").is_dir()


def require_checkout(command: str) -> None:
    """Raise :class:`NotACheckout` unless the code runs from a checkout."""
    if not is_checkout():
        raise NotACheckout(
            f"expected a checkout of the repository for `{command}`, got an installed package "
            f"at {ROOT}; clone the repository and run `{command}` there (an installed package "
            "grades submissions only)")
