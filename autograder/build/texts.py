"""The notebook's texts that follow from the question table: each question's heading (its number,
title, id and points) and time, and the intro's table of questions. A question folder's
``text.md`` starts below its heading; ``intro.md`` holds :data:`TABLE_MARKER` where the table
goes. So a new question or a changed number of points needs no edit here or in the intro.
"""
from __future__ import annotations

from autograder.paths import ASSIGNMENT
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS, Question, points_of

TABLE_MARKER = "<!-- the table of questions: generated from the question folders -->"


class TextError(ValueError):
    """A question's text or the intro does not follow the convention."""


def number(question: Question) -> int:
    """The question's number in the notebook (numpy track: 1, 2, ...; the "Going further"
    part counts its own: 1, 2)."""
    group = FURTHER_QUESTIONS if question.track == "further" else NUMPY_QUESTIONS
    return [q.id for q in group].index(question.id) + 1


def heading(question: Question) -> str:
    """The notebook heading of ``question`` without its ``(`id`, N points)``: what a stub names."""
    if question.track == "torch":
        return question.title
    if question.track == "further":
        return f"Going further {number(question)}: {question.title}"
    return f"Question {number(question)}: {question.title}"


def full_heading(question: Question) -> str:
    """The markdown heading of ``question``'s section, with its id and points."""
    if question.track == "torch":
        return f"### {question.title} (`{question.id}`)"
    if question.track == "further":
        points = points_of(question)
        credit = (f"{points:g} points of extra credit" if points else
                  "extra credit: feedback only unless your instructor sets points")
        return f"### {heading(question)} (`{question.id}`, {credit})"
    return f"## {heading(question)} (`{question.id}`, {question.points:g} points)"


def question_text(question: Question) -> str:
    """The question's section: its heading, then its folder's ``text.md``."""
    body = question.text_path.read_text(encoding="utf-8").strip()
    if body.startswith("# ") or body.startswith("## "):
        raise TextError(f"expected {question.id}/text.md to start below its heading (the build "
                        f"writes it from question.py), got {body.splitlines()[0]!r}; delete "
                        f"that line")
    time = f"*Time: about {question.minutes} minutes.*\n\n" if question.minutes else ""
    return f"{full_heading(question)}\n\n{time}{body}\n"


def question_table() -> str:
    """The intro's markdown table: number and title, the functions, the points, the time."""
    rows = ["| Question | You write | Points | Time |", "| --- | --- | --- | --- |"]
    rows += [f"| {number(q)}. {q.title} | {', '.join(f'`{f}`' for f in q.functions)} | "
             f"{q.points:g} | {minutes(q.minutes)} |" for q in NUMPY_QUESTIONS]
    return "\n".join(rows)


def minutes(n: int) -> str:
    """``n`` minutes as the intro's table says it (``about 25 min``; "" when not said)."""
    return f"about {n} min" if n else ""


def intro_text() -> str:
    """``intro.md`` with the table of questions in place of :data:`TABLE_MARKER`."""
    text = (ASSIGNMENT / "intro.md").read_text(encoding="utf-8")
    if text.count(TABLE_MARKER) != 1:
        raise TextError(f"expected the line {TABLE_MARKER!r} once in intro.md, got "
                        f"{text.count(TABLE_MARKER)}")
    return text.replace(TABLE_MARKER, question_table())
