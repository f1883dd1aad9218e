"""Student text is data, whatever it holds (issue 22, 3): NUL, ESC and OSC sequences, lone
surrogates, HTML and Markdown in an error message, a printed or returned value, a file's name or
a cell's text. ``results.json`` is strict UTF-8 JSON that ``jq`` reads, its Markdown outputs
render none of the student's HTML, images, links, tables or headings (checked with a CommonMark
renderer), and ``grade FILE`` exits 0 and prints control characters escaped."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from markdown_it import MarkdownIt

from autograder.build.release import solutions_module
from autograder.engine.api import TestOutcome
from autograder.engine.results import GradingResult, encoded, markdown, visible

ROOT = Path(__file__).resolve().parents[1]
RENDER = MarkdownIt("commonmark", {"html": True}).enable("table")
ALLOWED_TAGS = {"p", "code", "pre", "em", "strong", "ul", "ol", "li", "hr", "br"}
"""what a student's text may still become: text, code, emphasis, list items, rules"""
HOSTILE = ["bad\x00nul", "\x1b[2J\x1b]0;pwned\x07 \x1b]52;c;aGk=\x1b\\", "lone \ud800 \udfff",
           "<img src=x onerror=alert(1)>", "[click](http://evil.example) ![i](http://x/y.png)",
           "<script>alert(1)</script>", "# YOU GOT 100\n===", "a | b\n---|---\n1 | 2",
           "``` \n<b>fenced?</b>\n```", "\\[x\\](http://evil)", "`a <b x='` y `'>`",
           "\r\x7f\x9b\u202eevil\u2028", "&lt;entity&gt; &#60;b&#62;", "> quoted <i>x</i>"]
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# text made of everything that means something to Markdown or HTML, and what a terminal obeys
MARKUP = st.lists(st.sampled_from(list("<>&[]()!#|`~=-*_\\/:;'\" \n\tabx1") + [
    "<img src=x>", "<script>", "](http://e)", "```", "\x1b[", "\x00", "\ud800", "\r"]),
    max_size=40).map("".join)


def _tags(html: str) -> set[str]:
    return set(re.findall(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)", html))


@given(student=MARKUP, before=st.sampled_from(["", "It raised `", "**Why:** ", "- cell 3: "]),
       after=st.sampled_from(["", "`.", "\n\n**Hint:** x", "\n```\n"]))
def test_no_markup_of_the_students_renders_wherever_it_sits(student, before, after):
    rendered = RENDER.render(markdown(before + student + after))
    assert _tags(rendered) <= ALLOWED_TAGS, (student, rendered)
    assert not CONTROL.search(rendered)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_the_same_characters(text):
    rendered = RENDER.render(markdown(text))
    assert _tags(rendered) <= ALLOWED_TAGS, rendered
    shown = re.sub(r"<[^>]+>", "", rendered)
    for word in ("onerror", "click", "evil", "YOU GOT 100", "script", "entity"):
        if word in text:
            assert word in shown  # shown, not dropped


def test_the_graders_own_markdown_is_kept():
    text = ("**Why:** the mask\n\n- **T=3** (`causal_mask(3)`): got `<b>` where j <= i\n\n"
            "```\nTraceback <module>\n```")
    rendered = RENDER.render(markdown(text))
    assert "<strong>Why:</strong>" in rendered and "<li>" in rendered
    assert "<code>causal_mask(3)</code>" in rendered and "<code>&lt;b&gt;</code>" in rendered
    assert "j &lt;= i" in rendered and "<pre><code>Traceback &lt;module&gt;" in rendered


def _hostile_result() -> GradingResult:
    result = GradingResult(submission="sub\x1b[31m.py", messages=HOSTILE,
                           graded_file="x\ud800\x00.py", other_files=["\x1b]0;t\x07.ipynb"],
                           unreadable="\udcff", isolation=["ok"])
    result.tests = [TestOutcome(name=f"q1_chunking {text}", question="q1_chunking", score=0.0,
                                max_score=1.0, passed=False, output=text, visibility="visible")
                    for text in HOSTILE]
    return result


@given(texts=st.lists(st.text(), min_size=1, max_size=4))
def test_results_json_is_strict_utf8_for_any_text(texts):
    result = GradingResult(submission=texts[0], messages=texts, graded_file=texts[-1])
    result.tests = [TestOutcome(name=t, question="q1_chunking", score=0.0, max_score=1.0,
                                passed=False, output=t, visibility="visible") for t in texts]
    data = encoded(result).decode("utf-8")  # strict: a lone surrogate would not decode
    assert not re.search(r"\\u[dD][89a-fA-F]", data)  # nor is one escaped
    assert not any(CONTROL.search(s) for s in _strings(json.loads(data)))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed")
def test_jq_reads_results_json_of_hostile_text(tmp_path):
    from autograder.engine.results import write_results

    path = write_results(_hostile_result(), tmp_path / "results.json")
    run = subprocess.run(["jq", "-r", ".tests[].output, .output, .extra_data.graded_file",
                          str(path)], capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert b"\x1b" not in run.stdout and b"\x00" not in run.stdout
    run.stdout.decode("utf-8")  # what jq printed is UTF-8 too (no replacement needed)


def test_visible_escapes_every_control_character_and_keeps_lines():
    assert visible("a\x00b\x1b[31mc\td\ne\ud800\r") == "a\\x00b\\x1b[31mc\td\ne\\ud800\\x0d"
    assert visible("é ü 中 🙂") == "é ü 中 🙂"


HOSTILE_SUBMISSION = '''

def causal_mask(T):
    raise ValueError("bad\\x00nul \\x1b[2J\\x1b]0;pwned\\x07 <img src=x onerror=alert(1)> "
                     "[click](http://evil) \\ud800 ``` \\n# YOU GOT 100\\n===")


def chunk_tokens(docs, block_size, eos_id=None):
    print("\\x1b]52;c;aGk=\\x07 <script>alert(1)</script>")
    return "\\x1b[31m<b>red</b>\\ud800\\x00"
'''
LOAD_ERROR = 'raise RuntimeError("\\x1b[31m<h1>load</h1>\\ud800\\x00")  # the first statement\n\n'


def test_grade_of_a_hostile_submission_exits_0_and_writes_strict_json(tmp_path):
    path = tmp_path / "lm_\x1b[31mtraining\x07.py"
    path.write_text(LOAD_ERROR + solutions_module() + HOSTILE_SUBMISSION, encoding="utf-8")
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(path), "--results",
                          str(results)], cwd=ROOT, capture_output=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout.decode("utf-8")  # printed as strict UTF-8
    assert not CONTROL.search(out.replace("\n", "").replace("\t", "")), out
    assert out.startswith("lm_\\x1b[31mtraining\\x07.py: ")  # escaped, not dropped
    data = json.loads(results.read_bytes().decode("utf-8"))
    texts = [data["output"]] + [t["output"] for t in data["tests"]]
    assert "The autograder failed" not in data["output"]
    for text in texts:
        rendered = RENDER.render(text)
        assert _tags(rendered) <= ALLOWED_TAGS, rendered
        assert not CONTROL.search(text.replace("\n", "").replace("\t", ""))
    assert any("&lt;h1&gt;load" in t for t in texts)  # the load error, shown as text
