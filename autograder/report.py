"""Plain-text tables for the terminal: one submission's scores, a batch's summary."""
from __future__ import annotations

from autograder.engine.results import GradingResult
from autograder.questions import BY_ID


def score_table(result: GradingResult) -> str:
    rows = [f"{'question':<22}{'points':>16}  failed tests"]
    for qid, (earned, possible) in result.by_question().items():
        failed = sum(1 for t in result.tests if t.question == qid and not t.passed)
        rows.append(f"{qid:<22}{earned:>8.2f} / {possible:<6.2f}  {failed}")
    rows.append(f"{'total':<22}{result.score:>8.2f} / {result.max_score:<6.2f}")
    notes = [m for m in result.messages if not m.startswith("Graded ")]
    head = f"{result.submission}: {result.score:g} / {result.max_score:g} points"
    return "\n".join([head, *rows, *notes])


def batch_summary(rows: list[dict], question_ids: list[str]) -> str:
    if not rows:
        return "no submissions graded"
    n = len(rows)
    lines = [f"{n} submission(s); mean total {sum(float(r['total']) for r in rows) / n:.2f} "
             f"/ {rows[0]['max_total']}"]
    for qid in question_ids:
        mean = sum(float(r[qid]) for r in rows) / n
        lines.append(f"  {qid:<22} mean {mean:6.2f} / {BY_ID[qid].points:g}")
    unreadable = [r["submission"] for r in rows if r.get("note")]
    if unreadable:
        lines.append("not graded normally: " + ", ".join(unreadable))
    return "\n".join(lines)
