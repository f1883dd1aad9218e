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
    """The mean share of each question's points, one horizontal bar per question (its id
    beside it: the labels never overlap, however many questions)."""
    plt = _pyplot()
    ids = stats.questions
    fig, ax = plt.subplots(figsize=(7, 1.0 + 0.42 * len(ids)))
    y = list(range(len(ids)))[::-1]
    shares = [100 * stats.question_mean(q) / stats.points(q) if stats.points(q) else 0.0
              for q in ids]
    ax.barh(y, shares, color=[COLORS[i % len(COLORS)] for i in range(len(ids))])
    for row, share, q in zip(y, shares, ids):
        ax.annotate(f" {stats.question_mean(q):.1f} / {stats.points(q):g}", (share, row),
                    ha="left", va="center", fontsize=8)
    ax.set_yticks(y, ids, fontsize=8)
    ax.set(xlabel="mean share of the points (%)", xlim=(0, 115), ylim=(-0.7, len(ids) - 0.3),
           title="Mean per question")
    return _save(fig, path)


def wrong_share(test) -> tuple[float, int]:
    """The share (%) of the submissions that wrote the function (not a stub, not missing) and
    failed this test, and how many wrote it: an untouched template says nothing of a test."""
    attempted = test.taken - len(test.not_attempted)
    return (100 * len(test.wrong) / attempted if attempted else 0.0), attempted


def hidden_tests_plot(stats: ClassStats, path: Path) -> Path:
    """Per hidden test, the share of the submissions that wrote its function and failed it
    (those that left the stub are counted in the report's table, not here)."""
    plt = _pyplot()
    tests = stats.tests
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * len(tests)))
    y = list(range(len(tests)))[::-1]
    shares = [wrong_share(t) for t in tests]
    ax.barh(y, [share for share, _ in shares], color=COLORS[0])
    for row, (share, attempted) in zip(y, shares):
        ax.annotate(f" {round(share * attempted / 100)} of {attempted}", (share, row),
                    ha="left", va="center", fontsize=6)
    labels = [textwrap.shorten(f"{t.question.split('_')[0]}  {t.description}", 62,
                               placeholder="...") for t in tests]
    ax.set_yticks(y, labels, fontsize=7)
    ax.set(xlabel="of the submissions that wrote the function, wrong (%)", xlim=(0, 110),
           ylim=(-0.7, len(tests) - 0.3), title="Wrong answers on every hidden test")
    return _save(fig, path)


PLOTS = {"totals": totals_plot, "questions": questions_plot, "hidden_tests": hidden_tests_plot}
