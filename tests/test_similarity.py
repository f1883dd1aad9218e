"""The similarity report over a small batch: two near-copies (one with its variables renamed, its
functions reordered, its comments and blank lines changed) among independent correct and buggy
solutions and untouched templates. The pair is ranked first, no pair of independent solutions is
flagged, the template is never flagged, and the same batch gives the same report."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from autograder.build.release import solutions_module
from autograder.build.template import template_text
from autograder.term.similarity import (CSV, HTML, NOT_A_VERDICT, compare, given_functions,
                                        student_document, write_similarity)
from tests.classmates import ALICE, ALICE_COPY, ALICE_COPY_ORDER, BORIS, CLEO, fill

THRESHOLD = 0.5
COPY = "<b>zed"  # a name that is markup: shown as text


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("similar")
    template = template_text()
    work = {"alice": fill(template, ALICE),
            COPY: fill(template, ALICE_COPY, ALICE_COPY_ORDER),  # alice's, disguised
            "boris": fill(template, BORIS), "cleo": fill(template, CLEO),  # cleo: buggy
            "dana": solutions_module(),  # another independent, complete solution
            "tom": template, "tess": template, "theo": template, "tia": template}
    items = []
    for name, text in work.items():
        (root / "class" / name).mkdir(parents=True)
        (root / "class" / name / "lm_training.py").write_text(text)
        items.append({"submission": name, "entry": str(root / "class" / name),
                      "file": "lm_training.py"})
    return root, items


def test_only_the_students_own_functions_are_compared(batch):
    _, items = batch
    given = given_functions()
    docs = {i["submission"]: student_document(i["submission"], Path(i["entry"]), i["file"], given)
            for i in items}
    assert docs["tom"].code == "" and docs["tia"].code == ""  # the untouched template
    assert [f[0] for f in docs["cleo"].functions] == list(CLEO)  # stubs left are not theirs
    assert "Args:" not in docs["alice"].code  # nor the template's docstrings
    pairs = compare(list(docs.values()), given_code=template_text(), threshold=0.0)
    assert {p.a for p in pairs} | {p.b for p in pairs} <= {"alice", COPY, "boris", "cleo",
                                                            "dana"}


def test_the_near_copy_is_ranked_first_and_alone(batch):
    root, items = batch
    out = root / "out"
    written = write_similarity(items, out, THRESHOLD)
    assert [p.name for p in written] == [HTML, CSV]
    rows = list(csv.DictReader((out / CSV).open()))
    assert len(rows) == 1, rows  # no pair of independent solutions above the threshold
    (pair,) = rows
    assert {pair["submission_a"], pair["submission_b"]} == {"alice", COPY}
    assert float(pair["similarity_a"]) > 0.9 and float(pair["similarity_b"]) > 0.9
    assert set(pair["matching_functions"].split()) == set(ALICE)
    page = (out / HTML).read_text()
    # each function beside its copy, found by its fingerprints though the order differs
    titles = re.findall(r"<h3>([^<]*): (\w+)</h3>", page)
    assert [(a, b) for (_, a), (_, b) in zip(titles[::2], titles[1::2])] == \
        [(f, f) for f in ALICE]
    assert NOT_A_VERDICT in page and page.count("<mark>") > 5
    assert "<b>zed" not in page and "&lt;b&gt;zed (" in page
    # run again: the same bytes (copydetect's hashes are salted per process: the report is
    # made with a fixed seed)
    again = write_similarity(items, root / "again", THRESHOLD)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]
