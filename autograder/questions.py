"""The assignment's questions, read from its question folders (one folder per question).

A question is a folder under ``assignments/lecture16/questions/``, named by its id, holding
everything specific to it (docs/adding-a-question.md):

- ``question.py``: ``ID``, ``TITLE``, ``POINTS``, ``FUNCTIONS``, ``TRACK`` and the ``IDEAS`` table
  (each idea's weight): the one place the question's points live;
- ``text.md``: its notebook section (numpy track);
- ``public.py``: its public cases and hints;
- ``hidden.py``: its hidden tests;
- ``catalog.py``: its realistic bugs and correct variants (for ``verify`` and the tests).

This module finds the folders (every subfolder with a ``question.py``, sorted by id: the numpy
track's ``q1``, ``q2``, ..., the "Going further" part's, then the torch track's ``t1``, ...) and
builds the question table that the build, the notebook, the public checks and the hidden tests
read.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "assignments.lecture16.questions"
"""the package whose subfolders are the questions"""
TRACKS = ("numpy", "further", "torch")
"""``further``: the optional "Going further" part, numpy functions graded as extra credit"""


@dataclass(frozen=True)
class Question:
    id: str
    """question id, e.g. ``q3_cross_entropy``; every test name starts with it"""
    title: str
    """the topic, as the lecture names it"""
    points: float
    """points in the numpy track (the extra credit of the "Going further" part and of the torch
    track comes from otter_config.json)"""
    functions: tuple[str, ...]
    """the functions a student writes for this question, in the order they are taught"""
    track: str = "numpy"
    """``numpy`` (graded), ``further`` (the optional "Going further" part, extra credit) or
    ``torch`` (optional, extra credit)"""
    package: str = ""
    """the question folder's package (``assignments.lecture16.questions.q3_cross_entropy``)"""
    minutes: int = 0
    """about how long a student needs for it (``MINUTES``; 0: not said): the notebook states it"""

    @property
    def folder(self) -> Path:
        """The question's folder."""
        return Path(importlib.import_module(self.package).__file__).parent

    @property
    def text_path(self) -> Path:
        """The question's notebook section (markdown)."""
        return self.folder / "text.md"


class QuestionError(ValueError):
    """A question folder does not follow the convention."""


def _order(name: str) -> tuple:
    """q2 before q10: the track letter, then the number, then the rest."""
    match = re.match(r"([a-z]+)(\d+)_", name)
    return (match.group(1), int(match.group(2)), name) if match else ("~", 0, name)


def folder_names(package: str = PACKAGE) -> list[str]:
    """The question folders of ``package``, in question order."""
    root = Path(importlib.import_module(package).__file__).parent
    return sorted((p.name for p in root.iterdir() if (p / "question.py").is_file()), key=_order)


def load(name: str, package: str = PACKAGE) -> Question:
    """The question of folder ``name``, checked against the convention."""
    module = importlib.import_module(f"{package}.{name}.question")
    missing = [k for k in ("ID", "TITLE", "POINTS", "FUNCTIONS") if not hasattr(module, k)]
    if missing:
        raise QuestionError(f"expected {', '.join(missing)} in {name}/question.py; see "
                            f"docs/adding-a-question.md")
    track = getattr(module, "TRACK", "numpy")
    if module.ID != name or track not in TRACKS or not module.FUNCTIONS:
        raise QuestionError(f"expected ID == the folder's name, TRACK in {TRACKS} and at least "
                            f"one function, got folder={name}, ID={module.ID!r}, "
                            f"TRACK={track!r}, FUNCTIONS={module.FUNCTIONS!r}")
    return Question(module.ID, module.TITLE, module.POINTS, tuple(module.FUNCTIONS), track,
                    f"{package}.{name}", getattr(module, "MINUTES", 0))


def discover(package: str = PACKAGE) -> tuple[Question, ...]:
    """Every question of ``package``'s folders, in question order (numpy track first)."""
    found = [load(name, package) for name in folder_names(package)]
    return tuple(sorted(found, key=lambda q: TRACKS.index(q.track)))


QUESTIONS: tuple[Question, ...] = discover()

BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
NUMPY_QUESTIONS = tuple(q for q in QUESTIONS if q.track == "numpy")
TORCH_QUESTIONS = tuple(q for q in QUESTIONS if q.track == "torch")
FURTHER_QUESTIONS = tuple(q for q in QUESTIONS if q.track == "further")
"""the optional "Going further" part: numpy, extra credit (``going_further_points``)"""


def further_points(config=None) -> float:
    """The extra credit of each "Going further" question: ``going_further_points`` of
    otter_config.json (the whole part's, default 0) split evenly over the part's questions."""
    if config is None:
        from autograder.engine.config import load_config

        config = load_config()
    return config.going_further_points / max(1, len(FURTHER_QUESTIONS))


def points_of(question: Question, config=None) -> float:
    """What ``question`` is worth where the build writes points (its heading, its public checks,
    the Classroom workflow): a numpy question's ``POINTS``; a "Going further" question's share
    of the configured extra credit; 0 for the torch track (feedback only there)."""
    return further_points(config) if question.track == "further" else question.points
ALL_FUNCTIONS: tuple[str, ...] = tuple(f for q in QUESTIONS for f in q.functions)
