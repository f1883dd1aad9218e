"""Every input is graded or refused with a note, never the grader-failure path (issue 22, 3):
damaged or odd zips (a member twice, a file and a folder of one name, a 300-character name, a
corrupt deflate, LZMA or bzip2 body) and notebooks of shapes nbformat does not write (metadata a
list, cells that are not objects, sources that are not text). The rule is checked on generated
inputs where it is cheap (the file rule, which is all ``grade`` does before the worker starts)
and through ``grade`` itself on each kind."""
from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, strategies as st

from autograder.assignment import TEMPLATE, current, grade
from autograder.build.release import solutions_module
from autograder.engine.choose import ChoiceError, choose
from autograder.questions import NUMPY_QUESTIONS

sys.path.insert(0, str(Path(__file__).parent))
from checkout import FAST  # noqa: E402
from forms import solutions  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FULL = sum(q.points for q in NUMPY_QUESTIONS)
FAILED = "The autograder failed"
BAD_PY = "def chunk_tokens(docs, block_size, eos_id=None):\n    return 1\n" * 40
GOOD = solutions_module()


def _zip(members: list[tuple[str, str, int]]) -> bytes:
    """A zip of ``(name, text, compression)`` members, written as given (duplicates too)."""
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore")  # "Duplicate name": the point of one case
        for name, text, compression in members:
            zf.writestr(zipfile.ZipInfo(name), text, compress_type=compression)
    return buf.getvalue()


def _corrupt_first(data: bytes) -> bytes:
    """``data`` with the compressed body of its first member scrambled."""
    def field(at: int, size: int) -> int:
        return int.from_bytes(data[at:at + size], "little")

    start, size = 30 + field(26, 2) + field(28, 2), field(18, 4)  # its local header's fields
    body = bytearray(data)
    for i in range(start + min(2, size - 1), start + min(size, 40)):
        body[i] ^= 0x5A
    return bytes(body)


def _with_good(*members: tuple[str, str, int]) -> bytes:
    return _zip([*members, (TEMPLATE, GOOD, zipfile.ZIP_STORED)])


ZIPS = {
    "a member twice": lambda: _with_good(("helper.py", "x = 1\n", zipfile.ZIP_STORED),
                                         ("helper.py", "x = 2\n", zipfile.ZIP_STORED)),
    "the graded file twice": lambda: _zip([(TEMPLATE, BAD_PY, zipfile.ZIP_STORED),
                                           (TEMPLATE, GOOD, zipfile.ZIP_STORED)]),
    "a file and a folder of one name": lambda: _with_good(
        ("sub.py", "x = 1\n", zipfile.ZIP_STORED), ("sub.py/a.py", "y = 1\n", zipfile.ZIP_STORED)),
    "a 300-character name": lambda: _with_good(("a" * 300 + ".py", BAD_PY, zipfile.ZIP_STORED)),
    "a corrupt deflate member": lambda: _corrupt_first(
        _with_good(("bad.py", BAD_PY, zipfile.ZIP_DEFLATED))),
    "a corrupt LZMA member": lambda: _corrupt_first(
        _with_good(("bad.py", BAD_PY, zipfile.ZIP_LZMA))),
    "a corrupt bzip2 member": lambda: _corrupt_first(
        _with_good(("bad.py", BAD_PY, zipfile.ZIP_BZIP2))),
}
SKIPPED = {"a member twice": "appears more than once", "the graded file twice": "appears more",
           "a corrupt deflate member": "bad.py: damaged", "a corrupt LZMA member": "damaged",
           "a corrupt bzip2 member": "damaged"}


def _choose(path: Path):
    return choose(path, None, current().functions, preferred=current().preferred_files)


@pytest.mark.parametrize("kind", sorted(ZIPS))
def test_a_zip_with_a_bad_entry_grades_the_valid_file_beside_it(kind, tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(ZIPS[kind]())
    result = grade(path, FAST)
    messages = "\n".join(result.messages)
    assert FAILED not in messages and result.score == pytest.approx(FULL), messages
    assert result.graded_file == f"export.zip/{TEMPLATE}"
    assert SKIPPED.get(kind, "") in messages


def test_grade_exits_0_on_a_damaged_zip_and_says_what_it_skipped(tmp_path):
    path = tmp_path / "export.zip"
    path.write_bytes(ZIPS["a corrupt LZMA member"]())
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--results",
                          str(tmp_path / "results.json")], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert FAILED not in results["output"] and "bad.py: damaged" in results["output"]
    assert results["score"] == FULL


NAMES = st.text(st.sampled_from("ab/._-\\é \x01:"), min_size=1, max_size=12).map(
    lambda s: s + ".py") | st.just("a" * 300 + ".py") | st.sampled_from(["x.py", "x.py/y.py"])
MEMBERS = st.lists(st.tuples(NAMES, st.sampled_from(["x = 1\n", BAD_PY, "def (:\n"]),
                             st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                              zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])),
                   max_size=6)


@given(members=MEMBERS, corrupt=st.booleans())
def test_any_zip_of_odd_members_is_chosen_from_or_refused_never_a_grader_error(
        members, corrupt, tmp_path_factory):
    data = _with_good(*members) if members else _zip([(TEMPLATE, GOOD, zipfile.ZIP_STORED)])
    if corrupt and members:
        data = _corrupt_first(data)
    path = tmp_path_factory.mktemp("zip") / "export.zip"
    path.write_bytes(data)
    choice = _choose(path)  # anything but a Choice or a ChoiceError is the grader-failure path
    assert f"export.zip/{TEMPLATE}" in [f.name for f in choice.candidates]


# ----------------------------------------------------------------------------- notebooks
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
ODD_CELLS = st.one_of(
    JSON,
    st.fixed_dictionaries({"cell_type": st.just("code"), "source": JSON}),
    st.fixed_dictionaries({"cell_type": st.just("code"), "metadata": JSON,
                           "source": st.just("x = 1")}),
    st.fixed_dictionaries({"cell_type": st.just("code"), "metadata": st.fixed_dictionaries(
        {"tags": JSON}), "source": st.lists(st.text(max_size=8), max_size=3)}),
    st.fixed_dictionaries({"cell_type": JSON, "source": st.just("x = 1")}))


@functools.cache
def _solutions_json() -> str:
    """The solutions notebook, built once (each example of a property gets a fresh copy)."""
    return nbformat.writes(solutions())


def _notebook_with(odd: list, at: int = 0) -> str:
    nb = json.loads(_solutions_json())
    nb["cells"][at:at] = odd
    return json.dumps(nb)


@given(odd=st.lists(ODD_CELLS, min_size=1, max_size=4))
def test_odd_cells_are_left_out_or_read_and_the_rest_of_the_notebook_is_graded(
        odd, tmp_path_factory):
    path = tmp_path_factory.mktemp("nb") / "lecture16.ipynb"
    path.write_text(_notebook_with(odd, at=1), encoding="utf-8")
    (found,) = _choose(path).candidates
    assert found.work == WORK


WORK = [f for f in sorted(current().functions) if f in GOOD and f"def {f}(" in GOOD]


@given(top=JSON)
def test_a_notebook_of_any_json_shape_is_refused_with_a_note(top, tmp_path_factory):
    path = tmp_path_factory.mktemp("nb") / "lecture16.ipynb"
    path.write_text(json.dumps(top), encoding="utf-8")
    with pytest.raises(ChoiceError, match="lecture16.ipynb"):
        _choose(path)


def test_odd_cells_cost_nothing_through_grade_and_are_named(tmp_path):
    odd = [{"cell_type": "code", "metadata": ["tags", "skip-grading"], "source": "x = 1"},
           {"cell_type": "code", "metadata": "x", "source": ["y = 2\n", "z = 3"]},
           {"cell_type": "code", "metadata": {"tags": {"a": 1}}, "source": [1, 2]},
           {"cell_type": "code", "source": {"python": "1"}}, ["not", "a", "cell"], 7]
    path = tmp_path / "lecture16.ipynb"
    path.write_text(_notebook_with(odd, at=2), encoding="utf-8")
    result = grade(path, FAST)
    messages = "\n".join(result.messages)
    assert FAILED not in messages and result.score == pytest.approx(FULL), messages
    assert "cell 5's source is neither text" in messages  # [1, 2]
    assert "cell 7 is not a notebook cell" in messages  # ["not", "a", "cell"]
