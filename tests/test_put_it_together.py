"""The notebook's "Put it together" section, run with the reference functions, and its texts.

The section (the files PUT_IT_TOGETHER of assignments/lecture16/cells.py: the bigram model, the
attention model, why the mask, instruction tuning, the scaling prediction) runs in the student's
notebook, where the student's functions are globals with the spec's names and numpy is ``np``.
Here it runs in a namespace holding the reference's functions instead, in a folder holding
corpus.txt and instructions.txt, as the solutions notebook runs it; and in one holding the
untouched template's stubs, as a student's first Run All does.
"""
import contextlib
import io
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
from assignments.lecture16.cells import (GOING_FURTHER, PUT_IT_TOGETHER, TORCH_GPT,
                                         read_percent_cells, section_cells)
from autograder.build import leaks
from autograder.build.template import template_text
from autograder.paths import ASSIGNMENT
from autograder.questions import FURTHER_QUESTIONS, NUMPY_QUESTIONS, TORCH_QUESTIONS

SECTION = ASSIGNMENT / "put_it_together.py"
FILES = [ASSIGNMENT / name for name in (*PUT_IT_TOGETHER, *GOING_FURTHER, *TORCH_GPT)]
COURSE_COLORS = ["#00693e", "#267aba", "#ffa00f", "#9d162e", "#8a6996", "#643c20"]
MARKDOWN_FILES = [ASSIGNMENT / "intro.md", *(q.text_path for q in NUMPY_QUESTIONS),
                  ASSIGNMENT / "going_further.md", *(q.text_path for q in FURTHER_QUESTIONS),
                  ASSIGNMENT / "torch_track.md"]
# the numpy track's functions and the "Going further" part's, from the question table
REFERENCE_FUNCTIONS = {name: getattr(reference, name)
                       for q in (*NUMPY_QUESTIONS, *FURTHER_QUESTIONS) for name in q.functions}
PARTS = ("bigram", "attention", "no_mask", "finetune", "scaling")


def run_cells(cells, namespace, work):
    """Execute the code ``cells`` in ``namespace`` inside the folder ``work`` (which gets
    corpus.txt and instructions.txt); returns what they printed."""
    matplotlib.use("Agg", force=True)
    for name in ("corpus.txt", "instructions.txt"):
        shutil.copy(ASSIGNMENT / "corpus" / name, work / name)
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(work)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
            warnings.filterwarnings("ignore", message=".*non-interactive.*")  # plt.show() on Agg
            for i, (kind, source) in enumerate(cells):
                if kind == "code":
                    exec(compile(source, f"<put_it_together cell {i}>", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return printed.getvalue()


def template_namespace():
    """What an untouched notebook holds: numpy as np, torch (or None) and the template's stubs."""
    namespace = {"__name__": "notebook"}
    exec(compile(template_text(), "lm_training.py", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def section(tmp_path_factory):
    """The namespace after running every code cell of the section, and how long it took."""
    import matplotlib.pyplot as plt

    namespace = {"np": np, **REFERENCE_FUNCTIONS}
    namespace["_work"] = tmp_path_factory.mktemp("notebook")
    start = time.process_time()  # CPU time: a loaded machine does not stretch it
    # the optional "Going further" demos too: they use what the section built
    namespace["_printed"] = run_cells(section_cells(PUT_IT_TOGETHER + GOING_FURTHER), namespace,
                                      namespace["_work"])
    namespace["_seconds"] = time.process_time() - start
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


def test_section_fits_the_notebooks_five_minute_budget(section):
    # About 50 s of CPU time with one BLAS thread (the reference's functions); the bound is
    # loose for BLAS threads. CPU time, not wall time: the machine may be busy.
    print({key: value for key, value in section["figures"].items() if key.startswith("seconds")})
    assert section["_seconds"] < 300
    assert {f"seconds.{part}" for part in PARTS} <= set(section["figures"])


def test_plot_has_loss_and_perplexity_panels_in_the_course_colours(section):
    fig = section["fig"]
    axes = fig.get_axes()
    assert len(axes) == 2
    for ax in axes:
        colors = [to_hex(line.get_color()) for line in ax.get_lines()]
        bigram, computed = section["COLORS"]["bigram"], section["COLORS"]["computed"]
        assert colors == [bigram, bigram, computed], colors  # one model: one colour
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
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+(reference|autograder|torch)\b", text, re.M)
    cells = section_cells()
    assert cells[0] == ("markdown", cells[0][1])
    assert cells[0][1].startswith("## Put it together: train a tiny language model")
    code = "\n".join(source for kind, source in cells if kind == "code")
    for name in ("chunk_tokens", "next_token_pairs", "causal_attention", "log_softmax",
                 "cross_entropy", "cross_entropy_grad", "clip_grad_norm", "init_adamw_state",
                 "adamw_step", "warmup_cosine_lr", "perplexity", "corpus_perplexity",
                 "sft_example", "pad_batch", "training_flops", "chinchilla_optimal",
                 "fit_power_law"):
        assert re.search(rf"\b{name}\(", code), name
    torch_code = "\n".join(source for kind, source in section_cells(TORCH_GPT) if kind == "code")
    for name in ("causal_attention_torch", "cross_entropy_torch", "clip_grad_norm_torch_",
                 "init_adamw_state_torch", "adamw_step_torch_"):
        assert re.search(rf"\b{name}\(", torch_code), name


def test_texts_leak_no_reference_or_hidden_test_line():
    secrets = leaks.secret_lines()
    for path in [*FILES, *MARKDOWN_FILES]:
        text = path.read_text(encoding="utf-8")
        found = [line for line in secrets if line in text]
        assert not found, (path.name, found[:3])


@pytest.mark.assignment
@pytest.mark.parametrize("number,question", list(enumerate(NUMPY_QUESTIONS, start=1)),
                         ids=[q.id for q in NUMPY_QUESTIONS])
def test_question_text_has_its_heading_and_names_its_functions(number, question):
    from autograder.build.texts import question_text

    text = question_text(question)
    heading = (f"## Question {number}: {question.title} "
               f"(`{question.id}`, {question.points:g} points)")
    assert text.splitlines()[0] == heading
    for name in question.functions:
        assert f"`{name}(" in text, f"expected {question.id}'s text.md to name `{name}(...)`"


def test_the_notebook_says_how_long_each_question_and_the_whole_take():
    """Each question's time under its heading, the table's, and a total in the intro that the
    questions' times (plus Put it together's half hour) fall within."""
    import re

    from autograder.build.texts import intro_text, question_text

    for question in NUMPY_QUESTIONS + FURTHER_QUESTIONS:
        assert 5 <= question.minutes <= 90, question.id
        assert question_text(question).splitlines()[2] == (
            f"*Time: about {question.minutes} minutes.*")
    low, high = map(int, re.search(r"about (\d+) to (\d+) hours in all", intro_text()).groups())
    assert low * 60 <= sum(q.minutes for q in NUMPY_QUESTIONS) + 30 <= high * 60
    section = (ASSIGNMENT / "put_it_together.py").read_text(encoding="utf-8")
    assert "about a minute" not in section and "it/s" in section
    code = "\n".join((ASSIGNMENT / name).read_text(encoding="utf-8") for name in PUT_IT_TOGETHER)
    ns = {"np": np}
    for line in ("steps, B", "attention_steps, attention_lr", "finetune_steps =",
                 "finetune_lrs =", "scaling_widths, target_width", "scaling_steps, scaling_batch"):
        exec(next(x for x in code.splitlines() if x.startswith(line)), ns)  # noqa: S102
    bars = (ns["steps"] + 2 * ns["attention_steps"] + len(ns["finetune_lrs"]) * ns["finetune_steps"]
            + (len(ns["scaling_widths"]) + 1) * ns["scaling_steps"])
    assert f"count {bars:,} training steps in all" in " ".join(section.replace("#", "").split())


def test_intro_and_torch_track_texts():
    from autograder.build.texts import intro_text

    intro = intro_text()
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


@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_read_percent_cells_of_the_section_alternate_text_and_code(path):
    cells = read_percent_cells(path)
    kinds = [kind for kind, _ in cells]
    assert kinds[0] == "markdown" and kinds.count("code") >= 1
    assert all("# %%" not in source for _, source in cells)
    assert all(not source.startswith("# ") for kind, source in cells if kind == "markdown")
    assert max(len(line) for _, source in cells for line in source.splitlines()) <= 100


def test_section_cells_concatenate_the_files_in_order():
    expected = [cell for name in PUT_IT_TOGETHER for cell in read_percent_cells(ASSIGNMENT / name)]
    assert section_cells() == expected
    assert section_cells(TORCH_GPT) == read_percent_cells(ASSIGNMENT / "torch_gpt.py")


# ----------------------------------------------------------------------------- the attention model
def model_namespace(**overrides):
    """The attention model's cells (attention_model.py) run with the reference's functions."""
    namespace = {"np": np, **REFERENCE_FUNCTIONS, "tqdm": lambda iterable, **kwargs: iterable,
                 **overrides}
    for i, (kind, source) in enumerate(read_percent_cells(ASSIGNMENT / "attention_model.py")):
        if kind == "code":
            exec(compile(source, f"<attention_model cell {i}>", "exec"), namespace)
    return namespace


def random_model(model, V=11, T_max=7, d=8, n_heads=2, seed=0):
    """Parameters with every entry random (the output layer too, unlike a fresh model)."""
    rng = np.random.default_rng(seed)
    params = model["init_attention_model"](V, T_max, d=d, n_heads=n_heads, seed=seed)
    return {name: 0.5 * rng.normal(size=p.shape) for name, p in params.items()}


def torch_loss_and_grads(params, inputs, targets, n_heads, causal, ignore_index):
    """The same model written independently in PyTorch (its built-in attention and loss), and
    autograd's gradients."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    tp = {name: torch.tensor(p, requires_grad=True) for name, p in params.items()}
    x_ids, y_ids = torch.as_tensor(inputs), torch.as_tensor(targets)
    B, T = x_ids.shape
    d = tp["tok_emb"].shape[1]
    x = tp["tok_emb"][x_ids] + tp["pos_emb"][:T]  # (B, T, d)
    q, k, v = (z.reshape(B, T, n_heads, d // n_heads).transpose(1, 2)
               for z in (x @ tp["W_qkv"]).split(d, dim=-1))
    heads = F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # (B, H, T, d/H)
    h = x + heads.transpose(1, 2).reshape(B, T, d) @ tp["W_o"]
    logits = h @ tp["W_out"] + tp["b_out"]  # (B, T, V)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y_ids.reshape(-1),
                           ignore_index=-100 if ignore_index is None else ignore_index)
    loss.backward()
    return loss.item(), logits.detach().numpy(), {n: p.grad.numpy() for n, p in tp.items()}


@pytest.mark.parametrize("causal", [True, False], ids=["causal", "no mask"])
@pytest.mark.parametrize("ignore_index", [None, -100], ids=["every target", "some ignored"])
def test_attention_backward_matches_torch_autograd(causal, ignore_index):
    """The notebook's hand-written backward pass against autograd, in float64: forward logits,
    loss and every parameter's gradient agree to rtol 1e-9, atol 1e-12. The batch repeats
    tokens (their embedding gradients add up) and is shorter than the model's context (the
    position rows it does not reach get zero)."""
    model = model_namespace()
    params = random_model(model)
    rng = np.random.default_rng(1)
    inputs = rng.integers(0, 4, size=(3, 5))  # (B, T) = (3, 5), 4 distinct tokens: repeats
    targets = rng.integers(0, 11, size=(3, 5))
    if ignore_index is not None:
        targets[0, :3] = targets[2, 4] = ignore_index  # a prompt and a padded position
    loss, grads = model["loss_and_grads"](params, inputs, targets, 2, causal=causal,
                                          ignore_index=ignore_index)
    logits, _ = model["attention_forward"](params, inputs, 2, causal=causal)
    t_loss, t_logits, t_grads = torch_loss_and_grads(params, inputs, targets, 2, causal,
                                                     ignore_index)
    np.testing.assert_allclose(logits, t_logits, rtol=1e-9, atol=1e-12)
    assert loss == pytest.approx(t_loss, rel=1e-9)
    assert sorted(grads) == sorted(params)
    for name in params:
        assert grads[name].shape == params[name].shape, name
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=1e-9, atol=1e-12,
                                   err_msg=name)
    assert np.all(grads["pos_emb"][5:] == 0)  # positions 5 and 6 were not used
    assert np.abs(grads["W_qkv"]).max() > 1e-3  # attention got a gradient: the test can fail


def test_attention_forward_uses_the_students_causal_attention():
    calls = []

    def spy(q, k, v):
        calls.append(q.shape)
        return reference.causal_attention(q, k, v)

    model = model_namespace(causal_attention=spy)
    params = random_model(model)
    model["attention_forward"](params, np.zeros((3, 5), dtype=np.int64), 2)
    assert calls == [(3, 2, 5, 4)]  # (B, H, T, d/H)
    model["attention_forward"](params, np.zeros((3, 5), dtype=np.int64), 2, causal=False)
    assert len(calls) == 1  # the ablation does not use it


def test_train_uses_the_students_loop_functions_and_is_deterministic():
    used = set()

    def spying(name):
        def call(*args, **kwargs):
            used.add(name)
            return REFERENCE_FUNCTIONS[name](*args, **kwargs)
        return call

    loop = ("cross_entropy", "cross_entropy_grad", "clip_grad_norm", "init_adamw_state",
            "adamw_step", "warmup_cosine_lr", "corpus_perplexity")
    model = model_namespace(**{name: spying(name) for name in loop})
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 11, size=(20, 6)), rng.integers(0, 11, size=(20, 6))
    runs = [model["train"](model["init_attention_model"](11, 6, d=8, n_heads=2), x, y, steps=30,
                           n_heads=2, max_lr=1e-2, batch_size=4, val=(x, y), eval_every=10)
            for _ in range(2)]
    assert used == set(loop)
    (params, history), (again, _) = runs
    assert all(np.array_equal(params[name], again[name]) for name in params)
    assert len(history["train_loss"]) == 30 and history["val_step"] == [0, 10, 20, 30]
    assert history["val_ppl"][-1] < history["val_ppl"][0]  # it learned the training set


# ------------------------------------------------------------------------ the section's figures
def test_attention_model_ends_well_below_the_bigram_counting_optimum(section):
    figures = section["figures"]
    optimum = figures["bigram.counting_optimum_perplexity"]
    assert figures["attention.val_perplexity"] < 0.85 * optimum
    assert figures["bigram.counting_optimum_perplexity"] <= figures["bigram.val_perplexity"]
    assert figures["attention.val_perplexity"] == section["attention_history"]["val_ppl"][-1]
    assert figures["attention.train_perplexity"] < figures["attention.val_perplexity"]


def test_without_the_mask_it_copies_in_training_and_collapses_with_the_mask(section):
    figures, V = section["figures"], section["V"]
    assert figures["no_mask.train_perplexity"] < 2  # nearly sure of every next token: copying
    assert figures["no_mask.train_perplexity"] < figures["attention.train_perplexity"] / 4
    assert figures["no_mask.masked_val_perplexity"] > V  # worse than uniform guessing
    masked, no_mask = section["attention_history"], section["no_mask_history"]
    assert no_mask["train_loss"][-1] < masked["train_loss"][-1]
    assert no_mask["val_ppl"][-1] > 10 * masked["val_ppl"][-1]


def test_fine_tuning_learns_to_answer_and_the_small_lr_forgets_less(section):
    f = section["figures"]
    assert 10 <= f["finetune.pretrain_lr.lr"] / f["finetune.small_lr.lr"] <= 100
    assert f["finetune.pretrain_val_perplexity_before"] == f["attention.val_perplexity"]
    for name in ("small_lr", "pretrain_lr"):  # both learned the task
        assert f[f"finetune.{name}.response_loss"] < f["finetune.response_loss_before"] / 2
        assert (f[f"finetune.{name}.pretrain_val_perplexity_after"]
                > f["finetune.pretrain_val_perplexity_before"])  # and forgot something
    assert f["finetune.pretrain_lr.response_loss"] < f["finetune.small_lr.response_loss"]
    assert (f["finetune.small_lr.pretrain_val_perplexity_after"]
            < f["finetune.pretrain_lr.pretrain_val_perplexity_after"] / 3)


def test_fine_tuning_data_comes_from_sft_example_and_pad_batch(section):
    inputs, targets, IGNORE = section["sft_inputs"], section["sft_targets"], section["IGNORE"]
    assert inputs.shape == targets.shape and inputs.shape[0] == 500
    assert inputs.shape[1] <= section["T"]  # fits the model's context
    prompt, response = section["instruction_pairs"][0]
    encode = section["encode"]
    x, y = REFERENCE_FUNCTIONS["sft_example"](encode(prompt), encode(response),
                                              eos_id=section["eos"])
    np.testing.assert_array_equal(inputs[0, :len(x)], x)
    np.testing.assert_array_equal(targets[0, :len(y)], y)
    assert np.all(targets[0, len(y):] == IGNORE) and np.all(inputs[0, len(x):] == section["eos"])


def test_scaling_prediction_is_within_10_percent_of_the_measured_loss(section):
    f = section["figures"]
    print({key: value for key, value in f.items() if key.startswith("scaling")})
    assert f["scaling.alpha"] > 0 and f["scaling.a"] > 0
    assert abs(f["scaling.predicted_loss"] / f["scaling.measured_loss"] - 1) < 0.10
    assert f["scaling.predicted_loss"] == pytest.approx(
        f["scaling.a"] * f["scaling.target_n_params"] ** -f["scaling.alpha"])
    a, alpha = REFERENCE_FUNCTIONS["fit_power_law"](section["scaling_sizes"],
                                                    section["scaling_losses"])
    assert (a, alpha) == (f["scaling.a"], f["scaling.alpha"])
    assert max(section["scaling_sizes"]) < f["scaling.target_n_params"]  # a true extrapolation
    assert "3.15e+23" in section["_printed"]  # GPT-3's budget, from training_flops


def test_figures_have_every_key_of_the_issue_as_a_finite_number(section):
    keys = ["bigram.val_perplexity", "bigram.counting_optimum_perplexity",
            "attention.val_perplexity", "no_mask.train_perplexity",
            "no_mask.masked_val_perplexity", "finetune.small_lr.response_loss",
            "finetune.small_lr.pretrain_val_perplexity_after", "finetune.pretrain_lr.response_loss",
            "finetune.pretrain_lr.pretrain_val_perplexity_after",
            "finetune.pretrain_val_perplexity_before", "scaling.a", "scaling.alpha",
            "scaling.predicted_loss", "scaling.measured_loss",
            *(f"seconds.{part}" for part in PARTS)]
    figures = section["figures"]
    assert set(keys) <= set(figures)
    assert all(np.isfinite(float(value)) for value in figures.values())


def _check_axes(ax):
    """Labelled axes, course colours, and a legend naming every line (or labelled bars)."""
    assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    colors = {to_hex(line.get_color()) for line in ax.get_lines()}
    colors |= {to_hex(patch.get_facecolor()) for patch in ax.patches}
    assert colors <= set(COURSE_COLORS), (ax.get_title(), colors)
    if lines:
        legend = ax.get_legend()
        assert legend is not None, ax.get_title()
        assert [t.get_text() for t in legend.get_texts()] == [line.get_label() for line in lines]
    else:  # a chart of bars or points: each is named by its tick label
        named = len([t for t in ax.get_xticklabels() if t.get_text()])
        assert len(ax.patches) + len(ax.get_lines()) == named, ax.get_title()


@pytest.mark.parametrize("name,panels", [("fig_attention", 2), ("fig_mask", 2),
                                         ("fig_finetune", 2), ("fig_scaling", 1)])
def test_new_plots_are_labelled_in_the_course_colours(section, name, panels, tmp_path):
    fig = section[name]
    assert len(fig.get_axes()) == panels
    for ax in fig.get_axes():
        _check_axes(ax)
    fig.savefig(tmp_path / f"{name}.png")  # it renders


# what each line or point shows, by the words of its label: one colour per model in every figure
MEANINGS = {"bigram": "bigram", "training batch": "bigram", "validation": "bigram",
            "optimum": "computed", "fitted power law": "computed", "predicted": "computed",
            "attention model": "attention", "with the causal mask": "attention",
            "small runs": "attention", "measured": "attention", "before": "attention",
            "without the mask": "no_mask", "lr 0.01": "finetuned", "lr 0.001": "finetuned_small_lr"}


def test_a_colour_means_the_same_model_in_every_figure(section):
    colors = section["COLORS"]
    assert len(set(colors.values())) == len(colors)
    seen = 0
    for name in ("fig", "fig_attention", "fig_mask", "fig_finetune", "fig_scaling"):
        for ax in section[name].get_axes():
            labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
            for line in ax.get_lines():
                label = line.get_label()
                if label.startswith("_"):  # a point named by its tick label (a category)
                    label = labels[int(round(line.get_xdata()[0]))]
                words = max((w for w in MEANINGS if w in label), key=len, default=None)
                assert words, (name, label)  # the most specific words decide
                assert to_hex(line.get_color()) == colors[MEANINGS[words]], (name, label)
                seen += 1
    assert seen >= 20


def test_the_scaling_plot_labels_several_sizes_and_the_forgetting_chart_has_no_bars(section):
    ax = section["fig_scaling"].get_axes()[0]
    section["fig_scaling"].canvas.draw()
    shown = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(shown) >= 3 and len(set(shown)) == len(shown), shown
    low, high = ax.get_xlim()
    assert low <= min(section["scaling_sizes"]) and section["target_size"] <= high
    forget = section["fig_finetune"].get_axes()[1]
    assert forget.get_yscale() == "log" and not forget.patches  # points: no bar on a log axis


def test_attention_plot_shows_both_models_and_the_bigram_optimum(section):
    for ax in section["fig_attention"].get_axes():
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == ["bigram model", "attention model", "bigram counting optimum"]
        assert ax.get_lines()[2].get_ydata()[0] == section["counting_ppl"]


def test_generated_text_is_shown_from_both_models(section):
    printed = section["_printed"]
    for title in ("WITH", "WITHOUT"):
        lines = printed.split(f"The model trained {title} the mask continues:\n")[1]
        lines = lines.splitlines()[:3]
        assert [line.split(" | ")[0].strip() for line in lines] == [
            "the cat", "one morning, mia", "the old farmer said that"]
        assert all(line.split(" | ")[1].strip() for line in lines)  # something was written


# ----------------------------------------------------------------------------- unfinished notebooks
def test_untouched_notebook_runs_every_part_and_says_finish_question_1_first(tmp_path):
    namespace = template_namespace()
    printed = run_cells([*section_cells(), *section_cells(TORCH_GPT)], namespace, tmp_path)
    skipped = [line for line in printed.splitlines() if line.startswith("Skipped:")]
    guarded = sum(source.count("if ready(") + source.count("if torch_track_ready(")
                  for kind, source in [*section_cells(), *section_cells(TORCH_GPT)]
                  if kind == "code")
    assert len(skipped) == guarded >= 10
    expected = "Skipped: finish question 1 first (chunk_tokens is not implemented yet)."
    assert set(skipped) <= {expected, "Skipped: PyTorch is not installed here."}
    assert namespace["figures"] == {}


def test_a_notebook_without_question_2_trains_the_bigram_model_and_skips_the_rest(tmp_path):
    namespace = {"np": np, **REFERENCE_FUNCTIONS,
                 "causal_attention": template_namespace()["causal_attention"]}
    printed = run_cells(section_cells(), namespace, tmp_path)
    assert "counting optimum" in printed  # the bigram part ran
    message = "Skipped: finish question 2 first (causal_attention is not implemented yet)."
    assert printed.count(message) >= 6
    assert set(namespace["figures"]) == {"bigram.val_perplexity",
                                         "bigram.counting_optimum_perplexity", "seconds.bigram"}


def test_ready_names_a_missing_or_failing_function():
    namespace = {"np": np, **REFERENCE_FUNCTIONS}
    del namespace["sft_example"]  # q6 not in this notebook (its cell never ran)
    namespace["fit_power_law"] = lambda x, y: 1 / 0  # finished, but broken
    first_code = next(source for kind, source in read_percent_cells(SECTION) if kind == "code")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(first_code, namespace)
        assert namespace["ready"](1, 2, 3, 4, 5) is True
        assert namespace["ready"](6) is False
        assert namespace["ready"](7) is False
    assert printed.getvalue().splitlines() == [
        "Skipped: finish question 6 first (sft_example is not defined: run its cell).",
        "Skipped: finish question 7 first (fit_power_law raised ZeroDivisionError: "
        "division by zero)."]


# ------------------------------------------------------------------------ the torch track's GPT
@contextlib.contextmanager
def patched(namespace, **values):
    """The section's namespace with some names replaced (its functions read their globals
    there), restored afterwards for the other tests."""
    saved = {name: namespace[name] for name in values if name in namespace}
    namespace.update(values)
    try:
        yield namespace
    finally:
        for name in values:
            namespace.pop(name, None)
        namespace.update(saved)


def test_torch_gpt_trains_on_the_cpu_with_the_torch_track_functions(section, monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the CPU schedule
    threads = torch.get_num_threads()
    functions = {name: getattr(reference, name) for q in TORCH_QUESTIONS
                 for name in q.functions}
    with patched(section, torch=torch, **functions) as namespace:
        printed = run_cells(section_cells(TORCH_GPT), namespace, section["_work"])
        tokens_per_second, val_ppl = namespace["tokens_per_second"], namespace["gpt_val_ppl"]
    assert torch.get_num_threads() == threads  # one thread while it trained, then as before
    print(printed)
    assert "300 steps on cpu" in printed and "tokens per second" in printed
    assert tokens_per_second > 0
    assert val_ppl < section["figures"]["bigram.val_perplexity"] * 1.5
    assert val_ppl < section["V"] / 5  # it learned the corpus


def test_torch_gpt_skips_cleanly_without_torch(section):
    with patched(section, torch=None) as namespace:
        printed = run_cells(section_cells(TORCH_GPT), namespace, section["_work"])
    assert printed.strip() == "Skipped: PyTorch is not installed here."


# ------------------------------------------------------------------------ put_it_together.json
def test_build_reads_the_figures_from_the_outputs_metadata(tmp_path):
    import json

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from autograder.build.figures import FiguresError, notebook_figures, write_figures

    def shown(numbers):  # a cell whose output is what show_figures displays
        cell = new_code_cell("show_figures(figures)")
        cell.outputs = [new_output("display_data", data={"text/markdown": "| figure |"},
                                   metadata={"put_it_together": numbers})]
        return cell

    nb = new_notebook(cells=[shown({"a.x": 1.0, "seconds.a": 2.0}), new_code_cell("1 + 1"),
                             shown({"b.y": 3.0, "a.x": 4.0})])
    nbformat.write(nb, str(tmp_path / "run.ipynb"))
    assert notebook_figures(tmp_path / "run.ipynb") == {"a.x": 4.0, "seconds.a": 2.0, "b.y": 3.0}
    out = write_figures(tmp_path / "run.ipynb", tmp_path / "put_it_together.json")
    assert json.loads(out.read_text()) == {"a.x": 4.0, "b.y": 3.0, "seconds.a": 2.0}
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), str(tmp_path / "none.ipynb"))
    with pytest.raises(FiguresError, match="expected figures"):
        write_figures(tmp_path / "none.ipynb", tmp_path / "x.json")


def test_show_figures_puts_the_numbers_in_the_outputs_metadata(monkeypatch):
    shown = []
    namespace = {"np": np, **REFERENCE_FUNCTIONS}
    first_code = next(source for kind, source in read_percent_cells(SECTION) if kind == "code")
    exec(first_code, namespace)
    namespace["display"] = lambda obj, metadata: shown.append((obj, metadata))
    namespace["show_figures"]({"attention.val_perplexity": np.float32(17.25), "n": 3})
    (table, metadata), = shown
    assert metadata == {"put_it_together": {"attention.val_perplexity": 17.25, "n": 3.0}}
    assert all(type(v) is float for v in metadata["put_it_together"].values())  # JSON-ready
    assert "| `attention.val_perplexity` | 17.25 |" in table.data


# ----------------------------------------------------------------------- the "Going further" demos
def test_going_further_accumulation_is_the_batch_and_the_average_drifts(section):
    figures = section["figures"]
    assert len(set(section["acc_counts"].tolist())) > 1  # the counts differ: the lesson's case
    assert figures["accumulate.max_gap_accumulated"] < 1e-12  # floating point
    assert figures["accumulate.max_gap_averaged"] > 1e-5  # visible drift
    runs = section["accumulation_runs"]
    assert len(runs) == 3 and len({len(losses) for losses in runs.values()}) == 1
    full = runs["batch of 32"]
    assert full[-1] < full[0]  # it trained


def test_going_further_reward_model_beats_guessing_on_held_out_pairs(section):
    figures = section["figures"]
    assert figures["reward.pairs"] >= 50
    assert figures["reward.heldout_accuracy"] >= 0.7
    losses = section["reward_losses"]
    assert losses[0] == pytest.approx(np.log(2)) and losses[-1] < 0.5 * np.log(2)
    assert {"seconds.accumulate", "seconds.reward"} <= set(figures)
    assert section["fig_reward"].get_axes()[1].get_title() == "What the reward model learned"


def test_going_further_demos_use_the_students_functions():
    cells = section_cells(GOING_FURTHER)
    assert cells[0][0] == "markdown" and cells[0][1].startswith("### Put it together:")
    code = "\n".join(source for kind, source in cells if kind == "code")
    for name in ("accumulate_gradients", "preference_loss", "adamw_step", "cross_entropy_grad",
                 "sft_example", "pad_batch"):
        assert re.search(rf"\b{name}\(", code), name
    text = "\n".join(source for kind, source in cells if kind == "markdown")
    for citation in ("Ouyang et al., 2022", "Rafailov et al., 2023"):
        assert citation in text
    intro = (ASSIGNMENT / "going_further.md").read_text(encoding="utf-8")
    assert intro.startswith("## Going further") and "minutes" in intro
    assert "Ouyang et al., 2022" in intro and "Rafailov et al., 2023" in intro


def test_untouched_notebook_skips_the_going_further_demos(tmp_path):
    namespace = template_namespace()
    cells = section_cells(PUT_IT_TOGETHER + GOING_FURTHER)
    printed = run_cells(cells, namespace, tmp_path)
    skipped = [line for line in printed.splitlines() if line.startswith("Skipped:")]
    assert "Skipped: run Put it together's part 11 first (the fine-tuned model answers here)." \
        in skipped
    assert namespace["figures"] == {}
