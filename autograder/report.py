"""Plain-text tables for the terminal: one submission's scores, a batch's summary."""
from __future__ import annotations

from autograder.engine.results import GradingResult, visible
from autograder.questions import BY_ID, NUMPY_QUESTIONS, QUESTIONS


def _graded(test, possible: float) -> bool:
    """A hidden test, not one of the 0-point entries beside them (the public checks, the summary
    before the due date): it carries points, or its question is feedback only and it checks an
    idea."""
    return test.max_score > 0 or (possible == 0 and bool(test.idea))


def score_table(result: GradingResult) -> str:
    rows = [f"{'question':<22}{'points':>16}  failed tests"]
    for qid, (earned, possible) in result.by_question().items():
        failed = sum(1 for t in result.tests
                     if t.question == qid and not t.passed and _graded(t, possible))
        rows.append(f"{qid:<22}{earned:>8.2f} / {possible:<6.2f}  {failed}")
    rows.append(f"{'total':<22}{result.score:>8.2f} / {result.max_score:<6.2f}")
    notes = [m for m in result.messages if not m.startswith("Graded ")]
    head = f"{result.submission}: {result.score:g} / {result.max_score:g} points"
    return visible("\n".join([head, *rows, *notes]))  # no student's control character raw


def batch_summary(records) -> str:
    """Means over the graded submissions, then every entry that was not graded (or was graded
    with a note), by name, with the reason. ``records``: :class:`autograder.batchgrade.Graded`."""
    if not records:
        return "no submissions found"
    graded = [r for r in records if r.graded]
    skipped = [r for r in records if not r.graded]
    lines = [f"{len(records)} submission(s): {len(graded)} graded, {len(skipped)} not graded"]
    if graded:
        n = len(graded)
        lines.append(f"  mean total {sum(r.total for r in graded) / n:.2f} / "
                     f"{graded[0].max_total:g}")
        for q in NUMPY_QUESTIONS:
            mean = sum(r.by_question.get(q.id, 0.0) for r in graded) / n
            lines.append(f"  {q.id:<22} mean {mean:6.2f} / {BY_ID[q.id].points:g}")
        for q in QUESTIONS:  # the extra credit that was set (Going further, the torch track)
            possible = max(r.possible.get(q.id, 0.0) for r in graded)
            if q.track != "numpy" and possible > 0:
                mean = sum(r.by_question.get(q.id, 0.0) for r in graded) / n
                lines.append(f"  {q.id:<22} mean {mean:6.2f} / {possible:g} (extra credit)")
    if skipped:
        lines.append("not graded:")
        lines += [f"  {r.submission}: {r.note or 'no results'}" for r in skipped]
    noted = [r for r in graded if r.note]
    if noted:
        lines.append("graded, with a note:")
        lines += [f"  {r.submission}: {r.note}" for r in noted]
    return visible("\n".join(lines))
