"""Read a jupytext-style "percent format" Python file into notebook cells.

The format (the subset this project uses):

    # optional header: anything before the first cell marker is ignored
    # %% [markdown]
    # ## A heading
    # Some text: every line of a markdown cell starts with "# " (or is just "#").

    # %%
    x = 1  # a code cell: its lines are kept as they are

A line starting with ``# %%`` starts a new cell: ``# %% [markdown]`` (or ``[md]``) a markdown
cell, anything else a code cell. Leading and trailing blank lines of every cell are dropped, and
so are cells left empty. Pure standard library, Python 3.10.
"""
from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent
# The "Put it together" section of the notebook: these files' cells, in this order.
PUT_IT_TOGETHER = ("put_it_together.py", "attention_model.py", "attention_training.py",
                   "instruct.py", "predict_scaling.py")
# The optional "Going further" part's demos, after its questions (gradient accumulation, a
# reward model learned from ranked pairs).
GOING_FURTHER = ("going_further.py",)
# The optional torch track's training run, after the torch track's questions.
TORCH_GPT = ("torch_gpt.py",)

_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
_MARKDOWN = re.compile(r"\[(markdown|md)\]")


def _uncomment(line: str) -> str:
    """A markdown line without its comment prefix: ``# text`` -> ``text``, ``#`` -> ``""``."""
    stripped = line.rstrip()
    if stripped == "#":
        return ""
    if line.startswith("# "):
        return line[2:]
    if line.startswith("#"):
        return line[1:]
    return line  # a blank line, or text written without the prefix: kept as it is


def _strip_blank_lines(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def read_percent_cells(path) -> list[tuple[str, str]]:
    """The cells of a percent-format file, in order, as ``(kind, source)`` pairs.

    Args:
        path: the ``.py`` file (a ``str`` or ``Path``), read as UTF-8.

    Returns:
        A list of ``(kind, source)`` with ``kind`` either ``"markdown"`` or ``"code"``;
        ``source`` has no leading or trailing blank lines and, for markdown, no ``# `` prefixes.
        The header before the first ``# %%`` line is not a cell.
    """
    text = Path(path).read_text(encoding="utf-8")
    cells: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        marker = _MARKER.match(line)
        if marker:
            kind = "markdown" if _MARKDOWN.search(marker.group("rest")) else "code"
            cells.append((kind, []))
        elif cells:  # lines before the first marker are the header: skipped
            kind, lines = cells[-1]
            lines.append(_uncomment(line) if kind == "markdown" else line.rstrip())
    result = []
    for kind, lines in cells:
        lines = _strip_blank_lines(lines)
        if lines:
            result.append((kind, "\n".join(lines)))
    return result


def section_cells(names=PUT_IT_TOGETHER) -> list[tuple[str, str]]:
    """The cells of the named percent-format files of this folder, in order."""
    return [cell for name in names for cell in read_percent_cells(HERE / name)]
