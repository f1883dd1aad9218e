"""The error the instructor's term settings raise: what was expected, what was found, the fix."""
from __future__ import annotations


class TermError(Exception):
    """A term setting or one of its CSV files is wrong; the message names the row."""
