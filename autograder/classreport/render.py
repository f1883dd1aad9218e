"""``report.md``: the class report as Markdown (the plots are PNG files beside it)."""
from __future__ import annotations

import html
import re
import statistics

from autograder.classreport.stats import ClassStats

ASSIGNMENT_TITLE = "Training transformer models"  # the heading (the folder's name is no title)
MAX_NAMES = 6  # students named in a row of the common-mistakes table


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#!~])")  # "|" is escaped per table cell


def escape(text) -> str:
    """Student-derived text (a submission's or a file's name, a note quoting it) as plain text in
    Markdown: HTML escaped (no tag, no script), Markdown's markup characters backslashed (no
    link, image or emphasis), on one line."""
    text = " ".join(str(text).split())  # quotes stay: Markdown text is no attribute, and
    # html.escape's "&#x27;" would have its "#" backslashed (shown as "&\#x27;")
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _names(names: list[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:MAX_NAMES])
    return shown + (f", ... ({len(names) - MAX_NAMES} more)" if len(names) > MAX_NAMES else "")


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def common_mistakes(stats: ClassStats) -> list[str]:
    """The table: per hidden test that someone got wrong, its misconception and who made it."""
    n = len(stats.graded)
    rows = [[t.misconception, f"`{t.question}`", t.description, len(t.wrong),
             f"{100 * len(t.wrong) / n:.0f}%" if n else "-", _names(t.wrong)]
            for t in stats.mistakes()]
    if not rows:
        return ["No graded submission failed a hidden test with a wrong answer."]
    return _table(["misconception", "question", "hidden test", "students", "share", "who"], rows)


def stopped_functions(stats: ClassStats) -> list[str]:
    """The table: per function that raised or did not finish, who it happened to (apart from
    the misconceptions: a crash or a hang says nothing of an idea)."""
    rows = [[f"`{r.function}`", f"`{r.question}`", r.what, len(r.students), _names(r.students)]
            for r in stats.stopped]
    if not rows:
        return ["No graded submission's function raised or failed to finish."]
    return _table(["function", "question", "what happened", "students", "who"], rows)


def _totals(stats: ClassStats) -> list[str]:
    totals = stats.totals
    if not totals:
        return ["No submission could be graded."]
    summary = (f"Mean **{statistics.fmean(totals):.1f}** / {stats.max_total:g}, median "
               f"{statistics.median(totals):.1f}, lowest {min(totals):g}, highest {max(totals):g}"
               + (f", standard deviation {statistics.stdev(totals):.1f}." if len(totals) > 1
                  else "."))
    rows = [[f"`{q}`", f"{stats.question_mean(q):.2f} / {stats.points(q):g}",
             f"{stats.full_marks(q)} of {len(totals)}"] for q in stats.questions]
    return [summary, "", *_table(["question", "mean", "full marks"], rows)]


def _hidden_tests(stats: ClassStats) -> list[str]:
    rows = [[f"`{t.question}`", t.description, f"{100 * t.failure_rate:.0f}%", len(t.wrong),
             len(t.stopped), len(t.not_attempted)] for t in stats.tests]
    return _table(["question", "hidden test", "failed", "wrong", "raised or did not finish",
                   "not attempted"], rows)


def _image(plots: dict[str, str], key: str, alt: str) -> list[str]:
    return [f"![{alt}]({plots[key]})", ""] if key in plots else []


def render(stats: ClassStats, title: str, plots: dict[str, str], after=()) -> str:
    """The report; ``plots`` maps totals, questions and hidden_tests to their PNG's file name
    (those missing are left out); ``after``: the lines of the term's section (late work,
    overrides, Canvas, similarity), after the totals."""
    graded, skipped = stats.graded, stats.not_graded
    lines = [f"# Class report: {ASSIGNMENT_TITLE}", "", f"Graded from the folder {escape(title)}.",
             "", f"{len(graded) + len(skipped)} submissions: {len(graded)} graded, "
             f"{len(skipped)} not graded" + (" (listed at the end)." if skipped else "."), "",
             "## Totals", "", *_image(plots, "totals", "Distribution of totals"),
             *_totals(stats), "", *_image(plots, "questions", "Mean per question"),
             *after,
             "## Common mistakes", "",
             "Each hidden test checks one idea of the lecture; a student who fails it with a "
             "wrong answer (the function ran: not a stub, not missing) most likely holds its "
             "misconception. Most common first.", "",
             *common_mistakes(stats), "",
             "## Raised, or did not finish", "",
             "A function that raised an exception or did not finish (timed out or crashed) "
             "answered nothing: no misconception is read from it. Most common first.", "",
             *stopped_functions(stats), "",
             "## Hidden tests", "",
             *_image(plots, "hidden_tests", "Wrong answers on every hidden test"),
             *_hidden_tests(stats), ""]
    noted = [r for r in graded if r.note]
    if skipped or noted:
        lines += ["## Not graded, or graded with a note", ""]
        lines += [f"- **{escape(r.submission)}**: not graded: {escape(r.note or 'no results')}"
                  for r in skipped]
        lines += [f"- **{escape(r.submission)}**: {escape(r.note)}" for r in noted]
        lines.append("")
    return "\n".join(lines)
