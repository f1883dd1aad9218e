"""The text of a verify report (verdicts, kill matrix, weak tests, known gaps, figures) and of a
seed sweep."""
from __future__ import annotations

import textwrap

from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS
from autograder.verify.model import SweepReport, Verdict, VerifyReport

NAME_WIDTH = 40


def _indent(text: str, limit: int = 1200) -> list[str]:
    text = text if len(text) <= limit else text[:limit] + " …"
    return ["      | " + line for line in text.splitlines()]


def _verdict_line(v: Verdict) -> str:
    mark = "FAIL" if v.problem else "gap " if v.entry.gap else "ok  "
    tests = f" ({len(v.entry.graded)} tests)" if v.entry.graded else ""
    what = f"[{v.entry.question}] {v.entry.description}" if v.entry.kind == "bug" else (
        v.entry.description or v.entry.kind)
    score = f"{v.score:g}/{v.max_score:g}{tests}"
    return (f"{mark} {v.entry.name:<{NAME_WIDTH}} {score:<18} {what}"
            + (f"\n     <- {v.problem}" if v.problem else ""))


def _matrix(report: VerifyReport) -> list[str]:
    names = report.test_names
    kills = report.kills()
    groups = [[i for i, n in enumerate(names) if n.startswith(q + " ")] for q in
              dict.fromkeys(n.split(" ", 1)[0] for n in names)]
    lines = ["== Kill matrix (rows: bugs; columns: hidden tests, grouped by question; x: failed, "
             ".: passed, -: not graded, the test cannot reach the bug)"]
    lines += [f"  T{i:02d} {kills[n]:>3} kill(s)  {n}" for i, n in enumerate(names)]
    pad = " " * (NAME_WIDTH + 2)
    for digit in (lambda i: f"{i // 10}", lambda i: f"{i % 10}"):
        lines.append(pad + " ".join("".join(digit(i) for i in g) for g in groups))
    for v in report.of_kind("bug"):
        failed = set(v.failed_tests)

        def cell(name: str, graded=v.entry.graded, failed=failed) -> str:
            if graded and name not in graded:
                return "-"
            return "x" if name in failed else "."

        lines.append(f"  {v.entry.name[:NAME_WIDTH]:<{NAME_WIDTH}}"
                     + " ".join("".join(cell(names[i]) for i in g) for g in groups))
    return lines


def _gaps(report: VerifyReport) -> list[str]:
    gaps = report.gaps()
    lines = [f"== Known gaps: catalogued bugs the hidden tests miss: {len(gaps)}"]
    for v in gaps:
        lines.append(f"  {v.entry.name} [{v.entry.question}]: {v.entry.description}")
        lines += textwrap.wrap(v.entry.gap, 96, initial_indent="      ", subsequent_indent="      ")
    return lines


def figures(report: VerifyReport) -> list[str]:
    bugs, correct = report.of_kind("bug"), report.of_kind("correct")
    caught, gaps = report.caught(), report.gaps()
    per_q = []
    for q in NUMPY_QUESTIONS + FURTHER_QUESTIONS:
        mine = [v for v in bugs if v.entry.question == q.id]
        if mine:
            per_q.append(f"{q.id.split('_')[0]} {sum(v in caught for v in mine)}/{len(mine)}")
    others = [f"{v.entry.name} {v.score:g}/{v.max_score:g}"
              for v in report.verdicts if v.entry.kind in ("reference", "template")]
    return ["== Figures",
            f"  bugs caught in their own question: {len(caught)} / {len(bugs)}"
            + (f" ({', '.join(per_q)})" if per_q else "")
            + (f"; {len(gaps)} known gap(s) of the hidden tests, listed above" if gaps else ""),
            f"  correct entries with full marks: {sum(not v.problem for v in correct)} / "
            f"{len(correct)}",
            f"  {'; '.join(others)}" if others else "  (no reference or template graded)",
            f"  hidden tests that catch no catalogued bug: {len(report.weak_tests())} / "
            f"{len(report.test_names)}",
            *_focus(bugs),
            f"  graded {len(report.verdicts)} entries in {report.seconds:.0f} s",
            f"  verify {'PASSED' if report.ok else 'FAILED'}"]


def focus_figures(failed_direct: list[int], failed_all: list[int], one_idea: int,
                  on_topic: int, with_ideas: int) -> list[str]:
    """The figures of feedback focus over n bugs: how many tests one mistake fails (the tests
    of the function that holds it; and with the tests that reach it through a calling
    function), how many bugs the class report charges with exactly their idea, and how many
    have every failing test's hint about their mistake."""
    n = len(failed_direct)
    if not n:
        return []

    def share(counts: list[int], most: int) -> str:
        return f"{100 * sum(c <= most for c in counts) / n:.0f}%"

    return [f"  one mistake fails at most 2 hidden tests of its function in "
            f"{share(failed_direct, 2)} of {n} bugs, at most 3 in {share(failed_direct, 3)}, "
            "never more than "
            f"{max(failed_direct)}",
            f"    counting the tests that reach it through a calling function too: at most 2 in "
            f"{share(failed_all, 2)}, at most 3 in {share(failed_all, 3)}, never more than "
            f"{max(failed_all)}",
            f"  the class report charges exactly the bug's idea: {one_idea} / {with_ideas} (the "
            "bugs of questions that declare ideas)",
            f"  every failing test's hint is about the bug's idea (or points to the test that "
            f"is): {on_topic} / {with_ideas}"]


def _focus(bugs: list[Verdict]) -> list[str]:
    bugs = [v for v in bugs if not v.entry.gap]
    labelled = [v for v in bugs if v.entry.idea]
    return focus_figures([v.direct_failures for v in bugs], [len(v.failed_tests) for v in bugs],
                         sum(v.charged == [v.entry.idea] for v in labelled),
                         sum(not v.problem.startswith("charged with an idea") for v in labelled),
                         len(labelled))


def render(report: VerifyReport) -> str:
    lines = ["== Verdicts"]
    for v in report.verdicts:
        lines.append(_verdict_line(v))
        if v.problem and v.detail:
            lines += _indent(v.detail)
    if report.of_kind("bug"):
        lines += ["", *_matrix(report)]
        weak = report.weak_tests()
        lines += ["", f"== Hidden tests that catch no catalogued bug: {len(weak)}"]
        lines += [f"  {name}" for name in weak]
        lines += ["", *_gaps(report)]
    return "\n".join([*lines, "", *figures(report)])


def render_sweep(report: SweepReport) -> str:
    seeds = [s for s in report.seeds if s is not None]
    lines = [f"== Seed sweep: {len(report.runs)} entries, each graded {len(report.seeds)} times "
             f"(the grading profile, then hypothesis seeds {seeds[0]}..{seeds[-1]})"
             if seeds else f"== Seed sweep: {len(report.runs)} entries, the grading profile only"]
    for name in report.failing():
        runs = report.runs[name]
        bad = [v for v in runs if v.problem]
        lines.append(f"FAIL {name}: fails verification in {len(bad)} of {len(runs)} runs, e.g. "
                     f"seed {bad[0].seed}: {bad[0].problem}")
    unstable = report.unstable_tests()
    lines += ["", f"== Same verdict, but a test's outcome changed between runs: "
                  f"{sum(len(t) for t in unstable.values())} (entry, test) pairs"]
    for name, tests in unstable.items():
        for test, n in sorted(tests.items()):
            lines.append(f"  {name}: failed in {n}/{len(report.runs[name])} runs: {test}")
    def steady(kind: str) -> str:
        mine = [vs for vs in report.runs.values() if vs[0].entry.kind == kind]
        return f"{sum(not any(v.problem for v in vs) for vs in mine)} / {len(mine)}"

    lines += ["", "== Figures",
              f"  bugs caught (or known gaps missed) in every run: {steady('bug')}; correct "
              f"entries with full marks in every run: {steady('correct')}; the reference: "
              f"{steady('reference')}",
              f"  verdicts that changed between runs: {len(report.changed())}",
              f"  entries failing verification in some run: {len(report.failing())}",
              f"  {sum(len(v) for v in report.runs.values())} gradings in "
              f"{report.seconds:.0f} s",
              f"  sweep {'PASSED' if report.ok else 'FAILED'}"]
    return "\n".join(lines)
