"""The similarity report: which pairs of a batch wrote the same functions, for a person to read.

Only what the students wrote is compared: the top-level functions of the file that counted (the
grader's file rule), less every function that is exactly (the same syntax tree) one of what
they were given (the template's stubs, the notebook's helpers), each without its docstring
(the template's). The method is MOSS's (Schleimer, Wilkerson and Aiken, "Winnowing: local
algorithms for document fingerprinting", SIGMOD 2003) as the ``copydetect`` library implements
it: the code is tokenized with Pygments and every name becomes one letter, comments and
whitespace dropped (so renamed variables, changed comments and layout change nothing), k-grams
are hashed and winnowed, and two submissions share the fingerprints of the code they share,
wherever it lies in the file (so reordered functions change nothing). As MOSS does (its ``-m``),
a passage that more than ``common`` submissions share (the obvious solution of a one-line
function) is left out, and so is the given code.

``similarity.html`` lists the pairs above the threshold, most similar first, each with every
matching function beside the one it matches (paired by their fingerprints, not their names) and
the matching regions highlighted; ``similarity.csv`` the same pairs. Similarity is evidence
for a person to judge, not a verdict.

Python salts ``hash()`` per process and copydetect hashes k-grams with it: the report is made in
a child process with ``PYTHONHASHSEED=0`` (:func:`write_similarity`), so that the same batch
gives the same report.
"""
from __future__ import annotations

import ast
import html
import io
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import ROOT
from autograder.safecsv import write_rows
from autograder.term.errors import TermError

K = 20
"""the noise threshold: matching passages shorter than this many filtered characters (a name is
one character) are never reported"""
WINDOW = 6
"""winnowing's window: a match of K + WINDOW - 1 characters is always found"""
MIN_OVERLAP = 80
"""filtered characters two submissions must share before their pair is reported"""
HTML = "similarity.html"
CSV = "similarity.csv"
NOT_A_VERDICT = ("Similarity is evidence for a person to judge, not a verdict: students who "
                 "solve the same small problem from the same lecture write similar code, and "
                 "the obvious solution of a short function is shared by many. Read the "
                 "highlighted code side by side before you conclude anything.")


@dataclass(frozen=True)
class Document:
    submission: str
    file: str
    code: str
    functions: tuple[tuple[str, int, int], ...]
    """(name, start, end) of each function in ``code``"""


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    similarity_a: float
    similarity_b: float
    functions_a: tuple[str, ...]
    functions_b: tuple[str, ...]
    sides: tuple[tuple[str, str, str, str], ...]
    """each of a's functions that matches one of b's, and that one: (name in a, its code,
    name in b, its code), the code HTML-escaped with the matching regions in ``<mark>``"""

    @property
    def score(self) -> float:
        return max(self.similarity_a, self.similarity_b)


# ------------------------------------------------------------------------ what the students wrote
def _without_docstring(source: str, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    lines = source.splitlines()
    body = lines[fn.lineno - 1:fn.end_lineno]
    first = fn.body[0] if fn.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str) and first.lineno > fn.lineno):
        start, end = first.lineno - fn.lineno, first.end_lineno - fn.lineno
        body = body[:start] + body[end + 1:]
    return "\n".join(body)


def _defs(tree: ast.Module):
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def given_functions() -> set[str]:
    """The syntax trees of every function students were given: the template's (its stubs), the
    student notebook's (stubs and helpers)."""
    from autograder.build.notebook import build_notebook
    from autograder.build.template import template_text

    sources = [template_text()]
    sources += [c.source for c in build_notebook(solutions=False).cells if c.cell_type == "code"]
    given = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a cell with IPython's syntax
            continue
        given |= {ast.dump(fn) for fn in _defs(tree)}
    return given


def student_document(submission: str, entry: Path, file: str, given: set[str]) -> Document:
    """The functions of ``file`` (the file that counted, inside ``entry``) not given to the
    students, read by the grader's own safe reader (no links, zips extracted safely)."""
    from autograder.engine.choose import ChoiceError, gather
    from autograder.questions import ALL_FUNCTIONS

    parts, spans, at = [], [], 0
    if file:
        with tempfile.TemporaryDirectory(prefix="ag-similar-") as scratch:
            try:
                found, _ = gather(entry, Path(scratch), ALL_FUNCTIONS)
            except ChoiceError:
                found = []
        for statement in next((f.statements for f in found if f.name == file), []):
            try:
                tree = ast.parse(statement.source)
            except SyntaxError:
                continue
            for fn in _defs(tree):
                if ast.dump(fn) in given:
                    continue
                text = _without_docstring(statement.source, fn).strip("\n") + "\n"
                parts.append(text)
                spans.append((fn.name, at, at + len(text)))
                at += len(text) + 1
    return Document(submission, file, "\n".join(parts), tuple(spans))


# ---------------------------------------------------------------------------------- comparing
def _fingerprint(doc: Document, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint(f"{doc.submission}.py", K, WINDOW, boilerplate=boilerplate,
                           language="python", fp=io.StringIO(doc.code))


def _boilerplate(docs: list[Document], given_code: str, common: int):
    """The fingerprints of the given code and of the passages more than ``common`` documents
    share (MOSS's ``-m``)."""
    import numpy as np
    from copydetect import CodeFingerprint

    hashes = list(CodeFingerprint("given.py", K, 1, language="python",
                                  fp=io.StringIO(given_code)).hashes)
    counts: dict[int, int] = {}
    for doc in docs:
        for h in _fingerprint(doc, None).hashes:
            counts[h] = counts.get(h, 0) + 1
    hashes += [h for h, n in counts.items() if n > common]
    return np.unique(np.array(hashes, dtype=np.int64))


def _side_by_side(doc_a: Document, doc_b: Document, boilerplate) -> tuple:
    """Each function of ``doc_a`` beside the function of ``doc_b`` it shares most with (by
    fingerprints, not by name: a renamed function is found too), matching regions marked."""
    from copydetect import compare_files
    from copydetect.utils import highlight_overlap

    def pieces(doc):
        return [(name, doc.code[start:end],
                 _fingerprint(Document(doc.submission, doc.file, doc.code[start:end], ()),
                              boilerplate)) for name, start, end in doc.functions]

    rows, right = [], pieces(doc_b)
    for name_a, code_a, print_a in pieces(doc_a):
        best = None
        for name_b, code_b, print_b in right:
            if not print_a.hashes or not print_b.hashes:
                continue
            overlap, _, slices = compare_files(print_a, print_b)
            if overlap and (best is None or overlap > best[0]):
                best = (overlap, name_b, code_b, slices)
        if best is not None:
            overlap, name_b, code_b, (slices_a, slices_b) = best
            marked_a, _ = highlight_overlap(code_a, slices_a, "<mark>", "</mark>",
                                            escape_html=True)
            marked_b, _ = highlight_overlap(code_b, slices_b, "<mark>", "</mark>",
                                            escape_html=True)
            rows.append((name_a, marked_a, name_b, marked_b))
    return tuple(rows)


def _matched(spans, slices) -> tuple[str, ...]:
    names = []
    for name, start, end in spans:
        if any(s < end and e > start for s, e in zip(slices[0], slices[1])):
            names.append(name)
    return tuple(names)


def compare(docs: list[Document], *, given_code: str, threshold: float,
            common: int | None = None) -> list[Pair]:
    """Every pair of ``docs`` whose similarity (the share of one's fingerprinted code found in
    the other) is above ``threshold`` and that shares at least MIN_OVERLAP characters, most
    similar first."""
    from copydetect import compare_files

    docs = [d for d in docs if d.code.strip()]
    if common is None:
        common = max(3, len(docs) // 10)
    boilerplate = _boilerplate(docs, given_code, common)
    prints = [_fingerprint(d, boilerplate) for d in docs]
    pairs = []
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            if not prints[i].hashes or not prints[j].hashes:
                continue
            overlap, (sim_a, sim_b), (slices_a, slices_b) = compare_files(prints[i], prints[j])
            if overlap < MIN_OVERLAP or max(sim_a, sim_b) <= threshold:
                continue
            pairs.append(Pair(docs[i].submission, docs[j].submission, float(sim_a),
                              float(sim_b), _matched(docs[i].functions, slices_a),
                              _matched(docs[j].functions, slices_b),
                              _side_by_side(docs[i], docs[j], boilerplate)))
    return sorted(pairs, key=lambda p: (-p.score, p.a, p.b))


# ------------------------------------------------------------------------------------ writing
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Similarity report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
.note {{ background: #fff4d6; border-left: 4px solid #ffa00f; padding: .6em 1em; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: .3em .6em; }}
.pair {{ display: flex; gap: 1em; }} .pair > div {{ flex: 1; min-width: 0; }}
pre {{ background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: 12px; }}
mark {{ background: #ffd27a; }}
</style></head><body>
<h1>Similarity report</h1>
<p class="note">{note}</p>
<p>{summary}</p>
{table}
{pairs}
</body></html>
"""


def render_html(pairs: list[Pair], *, compared: int, threshold: float) -> str:
    e = html.escape
    summary = (f"{compared} submissions with functions of their own compared pairwise (the "
               "given code and passages shared by many left out); "
               f"{len(pairs)} pair(s) above {threshold:.0%} similar.")
    rows = "".join(
        f"<tr><td><a href=\"#pair{n}\">{n}</a></td><td>{e(p.a)}</td><td>{p.similarity_a:.0%}"
        f"</td><td>{e(p.b)}</td><td>{p.similarity_b:.0%}</td>"
        f"<td>{e(', '.join(sorted(set(p.functions_a) | set(p.functions_b))))}</td></tr>"
        for n, p in enumerate(pairs, 1))
    table = ("<table><tr><th>#</th><th>submission</th><th>its code found in the other</th>"
             "<th>submission</th><th>its code found in the other</th><th>matching functions"
             f"</th></tr>{rows}</table>") if pairs else "<p>No pair above the threshold.</p>"
    blocks = "".join(
        f"<h2 id=\"pair{n}\">{n}. {e(p.a)} ({p.similarity_a:.0%}) and {e(p.b)} "
        f"({p.similarity_b:.0%})</h2>"
        + "".join(f"<div class=\"pair\"><div><h3>{e(p.a)}: {e(name_a)}</h3><pre>{code_a}</pre>"
                  f"</div><div><h3>{e(p.b)}: {e(name_b)}</h3><pre>{code_b}</pre></div></div>"
                  for name_a, code_a, name_b, code_b in p.sides)
        for n, p in enumerate(pairs, 1))
    return PAGE.format(note=e(NOT_A_VERDICT), summary=summary, table=table, pairs=blocks)


def similarity_files(items: list[dict], folder: Path, threshold: float) -> list[Path]:
    """``items``: each a submission, its entry and the file that counted. Writes and returns
    similarity.html and similarity.csv in ``folder`` (in this process: see the module's note)."""
    from autograder.build.template import template_text

    given = given_functions()
    docs = [student_document(i["submission"], Path(i["entry"]), i["file"], given) for i in items]
    pairs = compare(docs, given_code=template_text(), threshold=threshold)
    compared = sum(1 for d in docs if d.code.strip())
    page = folder / HTML
    page.write_text(render_html(pairs, compared=compared, threshold=threshold), encoding="utf-8")
    table = write_rows(folder / CSV, ["submission_a", "similarity_a", "submission_b",
                                      "similarity_b", "matching_functions"],
                       [{"submission_a": p.a, "similarity_a": round(p.similarity_a, 4),
                         "submission_b": p.b, "similarity_b": round(p.similarity_b, 4),
                         "matching_functions": " ".join(sorted(set(p.functions_a)
                                                               | set(p.functions_b)))}
                        for p in pairs])
    return [page, table]


def write_similarity(items: list[dict], folder: Path, threshold: float) -> list[Path]:
    """:func:`similarity_files` in a child process with a fixed hash seed (same batch, same
    report). Returns the files written; raises TermError with the child's last line."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"items": items, "folder": str(folder), "threshold": threshold}, f)
    try:
        done = subprocess.run([sys.executable, "-m", "autograder.term.similarity", f.name],
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"},
                              capture_output=True, text=True, check=False)
    finally:
        os.unlink(f.name)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise TermError(f"expected the similarity report to be made, got an error: {last}; "
                        "grades.csv is written: fix it and run again")
    return [folder / HTML, folder / CSV]


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    similarity_files(spec["items"], Path(spec["folder"]), spec["threshold"])
