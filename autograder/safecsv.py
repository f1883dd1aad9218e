"""CSV files that a spreadsheet reads as data, never as formulas.

Every CSV the project writes (``grades.csv``, ``gradebook.csv``) holds text that students chose:
a repository or file name, a name in metadata, a note quoting them. A cell that starts with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a formula to Excel,
LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|...``). :func:`cell` prefixes such
text with an apostrophe (OWASP's advice: shown as text, the apostrophe hidden); numbers are
left as they are (a negative number is a number, not a formula).
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet: text starting like a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_rows(path: Path, columns: list[str], rows: Iterable[dict]) -> Path:
    """A CSV with a header of ``columns`` and one line per row (missing keys left empty), every
    cell passed through :func:`cell`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows({k: cell(v) for k, v in row.items()} for row in rows)
    return path
