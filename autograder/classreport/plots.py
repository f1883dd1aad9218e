"""The class report's plots (matplotlib, Agg, the course colours), one PNG each."""
from __future__ import annotations

import textwrap
from pathlib import Path

from autograder.classreport.stats import ClassStats

COLORS = ["#00693e", "#267aba", "#ffa00f", "#9d162e", "#8a6996"]  # Dartmouth green first
METADATA = {"Software": None}  # no matplotlib version in the PNG: same data, same bytes


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=METADATA)
    _pyplot().close(fig)
    return path


def totals_plot(stats: ClassStats, path: Path) -> Path:
    """The distribution of totals, with the mean."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    top = stats.max_total or 100.0
    bins = [top * i / 10 for i in range(11)]
    totals = stats.totals
    ax.hist(totals, bins=bins, color=COLORS[0], edgecolor="white")
    if totals:
        mean = sum(totals) / len(totals)
        ax.axvline(mean, color=COLORS[2], linestyle="--", linewidth=2, label=f"mean {mean:.1f}")
        ax.legend()
    ax.set(xlabel=f"total points (out of {top:g})", ylabel="submissions",
           title=f"Totals of {len(totals)} graded submissions", xlim=(0, top))
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _save(fig, path)


def questions_plot(stats: ClassStats, path: Path) -> Path:
    """The mean share of each question's points."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    ids = stats.questions
    shares = [100 * stats.question_mean(q) / stats.points(q) if stats.points(q) else 0.0
              for q in ids]
    bars = ax.bar(range(len(ids)), shares, color=[COLORS[i % len(COLORS)] for i in range(len(ids))])
    for bar, q in zip(bars, ids):
        ax.annotate(f"{stats.question_mean(q):.1f} / {stats.points(q):g}",
                    (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=8)
    ax.set_xticks(range(len(ids)), [q.replace("_", "\n", 1) for q in ids], fontsize=8)
    ax.set(ylabel="mean share of the points (%)", ylim=(0, 110), title="Mean per question")
    return _save(fig, path)


def hidden_tests_plot(stats: ClassStats, path: Path) -> Path:
    """Per hidden test, the share of graded submissions that failed it: a wrong answer, or a
    function not attempted."""
    plt = _pyplot()
    tests = stats.tests
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * len(tests)))
    y = list(range(len(tests)))[::-1]
    wrong = [100 * len(t.wrong) / t.taken for t in tests]
    absent = [100 * len(t.not_attempted) / t.taken for t in tests]
    ax.barh(y, wrong, color=COLORS[0], label="wrong (the function ran)")
    ax.barh(y, absent, left=wrong, color=COLORS[1], label="not attempted (stub or missing)")
    labels = [textwrap.shorten(f"{t.question.split('_')[0]}  {t.description}", 62,
                               placeholder="...") for t in tests]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set(xlabel="graded submissions that failed it (%)", xlim=(0, 100),
           ylim=(-0.7, len(tests) - 0.3), title="Failure rate of every hidden test")
    ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


PLOTS = {"totals": totals_plot, "questions": questions_plot, "hidden_tests": hidden_tests_plot}
