"""The notebook's "Put it together" section, run with the reference functions, and its texts.

The section (assignments/lecture16/put_it_together.py) runs in the student's notebook, where the
student's functions are globals with the spec's names and numpy is ``np``. Here it runs in a
namespace holding the reference's functions instead, in a folder holding corpus.txt, as the
solutions notebook runs it.
"""
import os
import re
import shutil
import time
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

import reference
from assignments.lecture16.cells import read_percent_cells
from autograder.build import leaks
from autograder.paths import ASSIGNMENT
from autograder.questions import NUMPY_QUESTIONS, TORCH_QUESTIONS

SECTION = ASSIGNMENT / "put_it_together.py"
COURSE_COLORS = ["#00693e", "#267aba", "#ffa00f", "#9d162e", "#8a6996"]
MARKDOWN_FILES = ["intro.md", *(f"{q.id}.md" for q in NUMPY_QUESTIONS), "torch_track.md"]


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    """The namespace after running every code cell of the section, and how long it took."""
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    work = tmp_path_factory.mktemp("notebook")
    shutil.copy(ASSIGNMENT / "corpus" / "corpus.txt", work / "corpus.txt")
    # what the student's notebook holds: numpy as np, and the functions under the spec's names
    namespace = {"np": np, **{name: getattr(reference, name)
                              for name in reference._NUMPY_FUNCTIONS}}
    cwd = os.getcwd()
    os.chdir(work)
    try:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*non-interactive.*")  # plt.show() on Agg
            for i, (kind, source) in enumerate(read_percent_cells(SECTION)):
                if kind == "code":
                    exec(compile(source, f"<put_it_together cell {i}>", "exec"), namespace)
        namespace["_seconds"] = time.perf_counter() - start
    finally:
        os.chdir(cwd)
    yield namespace
    plt.close("all")


# ----------------------------------------------------------------------------- the training run
def test_validation_perplexity_is_within_5_percent_of_the_counting_optimum(section):
    final, optimum = section["final_val_ppl"], section["counting_ppl"]
    print(f"validation perplexity {final:.3f}, counting optimum {optimum:.3f}, "
          f"ratio {final / optimum:.4f}, {section['_seconds']:.1f} s")
    assert section["ratio"] == pytest.approx(final / optimum)
    assert abs(final / optimum - 1) <= 0.05
    assert optimum < section["V"] / 5  # the model learned something: far below uniform


def test_training_starts_uniform_and_the_counting_optimum_is_tuned(section):
    V = section["V"]
    assert 100 <= V <= 400
    assert section["history"]["val_ppl"][0] == pytest.approx(V)  # W = 0: perplexity V
    assert section["history"]["val_ppl"][-1] == pytest.approx(section["final_val_ppl"])
    ks = section["ks"]
    assert ks[0] < section["best_k"] < ks[-1]  # the best k is inside the grid, not at an edge


def test_corpus_perplexity_of_the_batches_is_the_perplexity_of_all_tokens(section):
    counts = section["batch_counts"]
    assert len(set(counts)) > 1 and sum(counts) == section["val_targets"].size
    W, x, y = section["W"], section["val_inputs"], section["val_targets"]
    assert section["final_val_ppl"] == pytest.approx(reference.perplexity(W[x], y), rel=1e-9)


def test_section_runs_in_well_under_a_minute(section):
    assert section["_seconds"] < 60


def test_plot_has_loss_and_perplexity_panels_in_the_course_colours(section):
    fig = section["fig"]
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax in axes:
        colors = [to_hex(line.get_color()) for line in ax.get_lines()]
        assert colors == COURSE_COLORS[:3], colors
        train, val, optimum = ax.get_lines()
        assert len(train.get_xdata()) == section["steps"]
        assert optimum.get_linestyle() == "--"
        assert {t.get_text() for t in ax.get_legend().get_texts()} == {
            "training batch", "validation", "counting optimum"}
    loss_optimum, ppl_optimum = (ax.get_lines()[2].get_ydata()[0] for ax in axes)
    assert loss_optimum == pytest.approx(np.log(section["counting_ppl"]))
    assert ppl_optimum == pytest.approx(section["counting_ppl"])


# ----------------------------------------------------------------------------- the section's text
def test_section_uses_only_the_students_functions_and_numpy():
    text = SECTION.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+(reference|autograder|torch)\b", text, re.M)
    cells = read_percent_cells(SECTION)
    assert cells[0] == ("markdown", cells[0][1])
    assert cells[0][1].startswith("## Put it together: train a tiny language model")
    code = "\n".join(source for kind, source in cells if kind == "code")
    for name in ("chunk_tokens", "next_token_pairs", "cross_entropy", "cross_entropy_grad",
                 "clip_grad_norm", "init_adamw_state", "adamw_step", "warmup_cosine_lr",
                 "perplexity", "corpus_perplexity"):
        assert re.search(rf"\b{name}\(", code), name


def test_texts_leak_no_reference_or_hidden_test_line():
    secrets = leaks.secret_lines()
    for path in [SECTION, *(ASSIGNMENT / name for name in MARKDOWN_FILES)]:
        text = path.read_text(encoding="utf-8")
        found = [line for line in secrets if line in text]
        assert not found, (path.name, found[:3])


@pytest.mark.parametrize("number,question", list(enumerate(NUMPY_QUESTIONS, start=1)),
                         ids=[q.id for q in NUMPY_QUESTIONS])
def test_question_text_has_its_heading_and_names_its_functions(number, question):
    text = (ASSIGNMENT / f"{question.id}.md").read_text(encoding="utf-8")
    heading = (f"## Question {number}: {question.title} "
               f"(`{question.id}`, {question.points:g} points)")
    assert text.splitlines()[0] == heading
    for name in question.functions:
        assert f"`{name}(" in text, name
    assert 25 <= len(text.splitlines()) <= 60


def test_intro_and_torch_track_texts():
    intro = (ASSIGNMENT / "intro.md").read_text(encoding="utf-8")
    assert intro.startswith("# ")
    assert 'grader.check("q1_chunking")' in intro
    for question in NUMPY_QUESTIONS:
        assert f"| {question.points:g} |" in intro
    torch_text = (ASSIGNMENT / "torch_track.md").read_text(encoding="utf-8")
    for name in (f for q in TORCH_QUESTIONS for f in q.functions):
        assert f"`{name}(" in torch_text, name
    for builtin in ("F.cross_entropy", "F.nll_loss", "nn.CrossEntropyLoss",
                    "F.scaled_dot_product_attention", "torch.optim", "clip_grad_norm_"):
        assert builtin in torch_text, builtin


# ----------------------------------------------------------------------------- read_percent_cells
def test_read_percent_cells(tmp_path):
    path = tmp_path / "example.py"
    path.write_text(
        "# a header: not a cell\nimport this_is_ignored\n"
        "# %% [markdown]\n"
        "#\n"
        "# ## A title\n"
        "#\n"
        "# Some *text*, with `code`.\n"
        "#     indented\n"
        "\n"
        "# %%\n"
        "\n"
        "x = 1  # a comment stays\n"
        "# a comment line stays too\n"
        "\n"
        "def f():\n"
        "\n"
        "    return x\n"
        "\n\n"
        "# %% [md]\n"
        "# short form\n"
        "# %%\n"
        "\n"
        "# %% tags=['x']\n"
        "y = 2\n", encoding="utf-8")
    assert read_percent_cells(path) == [
        ("markdown", "## A title\n\nSome *text*, with `code`.\n    indented"),
        ("code", "x = 1  # a comment stays\n# a comment line stays too\n\ndef f():\n\n"
                 "    return x"),
        ("markdown", "short form"),
        ("code", "y = 2"),
    ]
    assert read_percent_cells(str(path)) == read_percent_cells(path)


def test_read_percent_cells_of_the_section_alternate_text_and_code():
    cells = read_percent_cells(SECTION)
    kinds = [kind for kind, _ in cells]
    assert kinds.count("markdown") >= 7 and kinds.count("code") >= 7
    assert all("# %%" not in source for _, source in cells)
    assert all(not source.startswith("# ") for kind, source in cells if kind == "markdown")
