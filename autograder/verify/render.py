"""The text of a verify report: verdicts, the kill matrix, weak tests, figures."""
from __future__ import annotations


def render(report) -> str:
    lines = ["== Verdicts"]
    for v in report.verdicts:
        mark = "FAIL" if v.problem else "ok  "
        what = f"[{v.entry.question}] {v.entry.description}" if v.entry.kind == "bug" else v.entry.kind
        lines.append(f"{mark} {v.entry.name:<40} {v.score:7.2f}/{v.max_score:<6.2f} {what}"
                     + (f"  <- {v.problem}" if v.problem else ""))
    bugs = [v for v in report.verdicts if v.entry.kind == "bug"]
    if bugs:
        lines += ["", "== Kill matrix (rows: bugs; columns: hidden tests; x = the test failed)"]
        for i, name in enumerate(report.test_names):
            lines.append(f"  T{i:02d} {name}")
        header = " " * 42 + "".join(f"{i % 100:02d}"[-2:] + " " for i in range(len(report.test_names)))
        lines.append(header)
        for v in bugs:
            failed = set(v.failed_tests)
            cells = "".join((" x " if name in failed else " . ") for name in report.test_names)
            lines.append(f"  {v.entry.name[:40]:<40}{cells}")
        weak = report.weak_tests()
        lines += ["", f"== Hidden tests that catch no catalogued bug: {len(weak)}"]
        lines += [f"  {name}" for name in weak]
    caught = sum(1 for v in bugs if not v.problem)
    correct = [v for v in report.verdicts if v.entry.kind == "correct"]
    lines += ["", "== Figures",
              f"  bugs caught in their own question: {caught} / {len(bugs)}",
              f"  correct entries with full marks: {sum(1 for v in correct if not v.problem)} / {len(correct)}",
              f"  verify {'PASSED' if report.ok else 'FAILED'}"]
    return "\n".join(lines)
