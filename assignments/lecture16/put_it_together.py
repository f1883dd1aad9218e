# The "Put it together" section of the lecture 16 notebook, in jupytext's percent format: the
# bigram model. The files listed in assignments/lecture16/cells.py (PUT_IT_TOGETHER) follow it:
# the attention model, why the mask, instruction tuning, scaling. The build
# (autograder/build/notebook.py) turns every "# %%" cell into a notebook cell and tags the code
# cells "skip-grading": the autograder never runs them. They run in the student's notebook,
# where the student's functions are defined (with the spec's names), numpy is imported as np,
# and the working directory holds corpus.txt and instructions.txt. Every cell that calls a
# student's function first asks `ready(...)`, so an unfinished notebook runs to the end and
# says which question to finish instead of stopping at the first error.

# %% [markdown]
# ## Put it together: train a tiny language model
#
# Every piece of the training pipeline is now yours. In this section they work together on a
# real (if tiny) corpus, `corpus.txt`: about 1,100 short stories, one per line. **Your**
# `chunk_tokens` and `next_token_pairs` make the training examples, **your** `cross_entropy`,
# `cross_entropy_grad`, `clip_grad_norm`, `adamw_step` and `warmup_cosine_lr` train the model,
# and **your** `perplexity` and `corpus_perplexity` measure it.
#
# The model is the smallest language model there is, a **bigram model**: it predicts the next
# token from the current token only. It is one table of logits `W` of shape (V, V): row `i`
# holds the logits for the token that follows token `i`. For inputs of shape (B, T), the logits
# are `W[inputs]`, of shape (B, T, V): the same shape a transformer outputs. A transformer
# computes its logits from the whole context (with causal attention); the data, the loss and
# the training loop stay exactly the same.
#
# Then a small **attention model**, trained with the same functions and your
# `causal_attention`, gets below the best any bigram model can do; an ablation shows why the
# causal mask matters; the pre-trained model is **instruction-tuned** with your `sft_example`
# and `pad_batch`; and a few small runs **predict** a bigger run's loss with your
# `fit_power_law`.
#
# Nothing in this section is graded. A part runs once the functions it needs work; until then
# it says which question to finish first.
#
# **How long it runs.** The progress bars count 2,150 training steps in all: 400 for the
# bigram model, 400 for the attention model and 400 for its twin without the mask, 2 x 100 for
# instruction tuning and 5 x 150 for the scaling runs. On a free CPU core expect the bars to
# show about 40 to 70 it/s (steps per second) with correct, vectorized functions: about 2
# minutes for the whole section, evaluations and plots included. On a busy or shared machine
# (a free Colab, a laptop running other things) they may show 10 to 20 it/s: 5 to 7 minutes.
# A bar at a few it/s or slower points at a function that loops over tokens in Python.

# %%
import re
import time

import matplotlib.pyplot as plt
from IPython.display import Markdown, display

try:  # a progress bar, if tqdm is installed (it is on Colab)
    from tqdm.auto import tqdm
except ImportError:
    def tqdm(iterable, **kwargs):  # no progress bar: just the loop
        return iterable

# the course colours
COURSE_COLORS = ["#00693e", "#267aba", "#ffa00f", "#9d162e", "#8a6996", "#643c20"]
# One colour per model, the same in every figure of this section (a line's style tells a
# training curve from a validation curve)
COLORS = {
    "bigram": COURSE_COLORS[0],  # green: the bigram model
    "attention": COURSE_COLORS[1],  # blue: the attention model, trained with the causal mask
    "computed": COURSE_COLORS[2],  # orange: computed, not trained (counting optimum, a fit)
    "no_mask": COURSE_COLORS[3],  # red: the attention model trained without the mask
    "finetuned": COURSE_COLORS[4],  # purple: fine-tuned at the pre-training learning rate
    "finetuned_small_lr": COURSE_COLORS[5],  # brown: fine-tuned at a tenth of it
}

# For each question, a tiny call of every function this section uses: a finished function
# runs it, an unfinished one raises NotImplementedError.
CHECKS = {
    1: {"chunk_tokens": lambda: chunk_tokens([[1, 2, 3]], block_size=2, eos_id=0),
        "next_token_pairs": lambda: next_token_pairs(np.zeros((1, 3), dtype=np.int64))},
    2: {"causal_attention": lambda: causal_attention(*np.ones((3, 1, 2, 2)))},
    3: {"log_softmax": lambda: log_softmax(np.zeros((2, 3))),
        "cross_entropy": lambda: cross_entropy(np.zeros((2, 3)), np.array([0, 1])),
        "cross_entropy_grad": lambda: cross_entropy_grad(np.zeros((2, 3)), np.array([0, 1]))},
    4: {"perplexity": lambda: perplexity(np.zeros((2, 3)), np.array([0, 1])),
        "corpus_perplexity": lambda: corpus_perplexity([1.0, 2.0], [3, 1])},
    5: {"clip_grad_norm": lambda: clip_grad_norm({"w": np.ones(2)}, 1.0),
        "init_adamw_state": lambda: init_adamw_state({"w": np.ones(2)}),
        "adamw_step": lambda: adamw_step({"w": np.ones(2)}, {"w": np.ones(2)},
                                         init_adamw_state({"w": np.ones(2)})),
        "warmup_cosine_lr": lambda: warmup_cosine_lr(5, 1.0, 2, 10)},
    6: {"sft_example": lambda: sft_example([1, 2], [3], eos_id=0),
        "pad_batch": lambda: pad_batch([(np.array([1]), np.array([2]))], pad_id=0)},
    7: {"training_flops": lambda: training_flops(10, 20),
        "chinchilla_optimal": lambda: chinchilla_optimal(1e20),
        "fit_power_law": lambda: fit_power_law([1.0, 2.0], [2.0, 1.0])},
}


def ready(*questions, checks=CHECKS):
    """True when every function these questions need runs; otherwise say what to finish first."""
    for question in questions:
        for name, call in checks[question].items():
            if name not in globals():
                problem = f"{name} is not defined: run its cell"
            else:
                try:
                    call()
                    continue
                except NotImplementedError:
                    problem = f"{name} is not implemented yet"
                except Exception as e:  # a finished function that fails on a tiny input
                    problem = f"{name} raised {type(e).__name__}: {e}"
            label = f"question {question}" if isinstance(question, int) else question
            print(f"Skipped: finish {label} first ({problem}).")
            return False
    return True


figures = {}  # the section's numbers, shown together at its end
part_starts = {}  # when each part started, for figures["seconds.<part>"]


def start_part(name):
    part_starts[name] = time.perf_counter()


def end_part(name):
    figures[f"seconds.{name}"] = round(time.perf_counter() - part_starts[name], 2)


def show_figures(numbers):
    """A table of the numbers; the output's metadata keeps them for the course's build."""
    rows = ["| figure | value |", "| --- | --- |"]
    rows += [f"| `{key}` | {value:.4g} |" for key, value in numbers.items()]
    display(Markdown("\n".join(rows)),
            metadata={"put_it_together": {key: float(v) for key, v in numbers.items()}})

# %% [markdown]
# ### 1. Tokenize
#
# Real models use subword tokenizers (BPE); for our small corpus a **word-level** tokenizer is
# enough: lowercase the text, split it into words and punctuation marks, and give every token
# of the training documents an id. Two special tokens come first: `<eos>` (end of sequence,
# put after every document) and `<unk>` (any token the training documents never showed us).
# Every 10th document is held out for **validation**: we never train on it, so it tells us how
# well the model does on text it has not seen.

# %%
with open("corpus.txt", encoding="utf-8") as f:
    documents = [line.strip() for line in f if line.strip()]  # one document per line

# every 10th document is for validation, the others for training
train_docs = [doc for i, doc in enumerate(documents) if i % 10 != 0]
val_docs = [doc for i, doc in enumerate(documents) if i % 10 == 0]


def tokenize(text):
    """Lowercase, then split into words and punctuation marks."""
    return re.findall(r"\w+|[^\w\s]", text.lower())


# the vocabulary: the special tokens, then every token of the training documents
itos = ["<eos>", "<unk>"] + sorted({tok for doc in train_docs for tok in tokenize(doc)})
stoi = {tok: i for i, tok in enumerate(itos)}
eos, unk = stoi["<eos>"], stoi["<unk>"]
V = len(itos)


def encode(text):
    return [stoi.get(tok, unk) for tok in tokenize(text)]


def decode(ids):
    return " ".join(itos[i] for i in ids)


print(f"{len(train_docs)} training and {len(val_docs)} validation documents, V = {V} tokens")
print(documents[1])
print(encode(documents[1]))

# %% [markdown]
# ### 2. Training examples
#
# Concatenate the tokenized documents with `<eos>` after each, cut the stream into blocks of
# T + 1 tokens (dropping the leftover), and shift by one: position t of the inputs predicts
# position t of the targets.

# %%
T = 32  # context length: a block of T + 1 tokens gives T (input, target) pairs

if ready(1):
    start_part("bigram")
    train_blocks = chunk_tokens([encode(doc) for doc in train_docs], block_size=T + 1,
                                eos_id=eos)
    val_blocks = chunk_tokens([encode(doc) for doc in val_docs], block_size=T + 1, eos_id=eos)
    train_inputs, train_targets = next_token_pairs(train_blocks)  # (n_train, T) each
    val_inputs, val_targets = next_token_pairs(val_blocks)  # (n_val, T) each

    print("training inputs", train_inputs.shape, "validation inputs", val_inputs.shape)
    print("inputs: ", decode(train_inputs[0, :12]))
    print("targets:", decode(train_targets[0, :12]))

# %% [markdown]
# ### 3. The model, its loss and its gradient
#
# The logits are rows of `W`, so the gradient of the loss with respect to `W` collects the
# gradient of every position's logits (from your `cross_entropy_grad`) into the row it came
# from. A token that appears many times in the batch gets the sum of all its positions'
# gradients: `np.add.at` adds them up (plain `dW[inputs] += ...` would keep only one of them).

# %%
def bigram_loss_and_grad(W, inputs, targets):
    """Mean cross-entropy of the bigram model on (inputs, targets) of shape (B, T), and dloss/dW."""
    logits = W[inputs]  # (B, T, V): for every position, the row of its current token
    loss = cross_entropy(logits, targets)  # mean over the B * T positions
    dlogits = cross_entropy_grad(logits, targets)  # (B, T, V)
    dW = np.zeros_like(W)  # (V, V)
    np.add.at(dW, inputs.reshape(-1), dlogits.reshape(-1, V))  # each position adds to its row
    return float(loss), dW


# %% [markdown]
# ### 4. The training loop
#
# Each step: sample a batch of B blocks, compute the loss and the gradient, clip the gradient,
# take the learning rate from the warmup + cosine schedule, and take one AdamW step. Every
# `eval_every` steps we also measure the loss on the whole validation set. `W` starts at zero:
# every token equally likely, so the perplexity starts at V.

# %%
BIGRAM = (1, 3, 4, 5)  # the questions the bigram model needs
steps, B = 400, 32  # training steps, blocks per batch (B * T = 1024 tokens per step)
max_lr, min_lr, warmup_steps = 0.2, 0.002, 20  # the learning-rate schedule
max_norm, weight_decay = 1.0, 0.05  # gradient clipping, AdamW's decoupled weight decay
eval_every = 10  # steps between two validation measurements


def evaluate(W):
    """(loss, perplexity) on the whole validation set."""
    logits = W[val_inputs]  # (n_val, T, V)
    return float(cross_entropy(logits, val_targets)), float(perplexity(logits, val_targets))


def record_validation(step):
    loss, ppl = evaluate(params["W"])
    history["val_step"].append(step)
    history["val_loss"].append(loss)
    history["val_ppl"].append(ppl)


if ready(*BIGRAM):
    rng = np.random.default_rng(0)  # the same batches every time
    params = {"W": np.zeros((V, V))}  # all logits 0: the uniform model
    state = init_adamw_state(params)
    history = {"train_loss": [], "lr": [], "grad_norm": [], "val_step": [], "val_loss": [],
               "val_ppl": []}
    start = time.perf_counter()
    for step in tqdm(range(steps), desc="training"):
        if step % eval_every == 0:
            record_validation(step)  # with the parameters before this step
        rows = rng.integers(0, len(train_inputs), size=B)  # a random batch of B blocks
        loss, dW = bigram_loss_and_grad(params["W"], train_inputs[rows], train_targets[rows])
        grads, grad_norm = clip_grad_norm({"W": dW}, max_norm)
        lr = warmup_cosine_lr(step, max_lr, warmup_steps, steps, min_lr=min_lr)
        params, state = adamw_step(params, grads, state, lr=lr, weight_decay=weight_decay)
        history["train_loss"].append(loss)
        history["lr"].append(lr)
        history["grad_norm"].append(float(grad_norm))
    record_validation(steps)  # after the last step
    train_seconds = time.perf_counter() - start
    W = params["W"]
    print(f"{steps} steps in {train_seconds:.1f} s")
    print(f"step 0: validation perplexity {history['val_ppl'][0]:.1f} (V = {V})")
    print(f"step {steps}: validation perplexity {history['val_ppl'][-1]:.2f}")

# %% [markdown]
# ### 5. Validation perplexity, batch by batch
#
# Evaluating a big validation set usually goes batch by batch, and the last batch is often
# smaller. The corpus perplexity weights every **token** equally (your `corpus_perplexity`); the
# mean of the batches' perplexities would give the small batch too much say.

# %%
if ready(*BIGRAM):
    n_val = len(val_inputs)
    cuts = [n_val // 2, 3 * n_val // 4, 7 * n_val // 8]  # batches of 1/2, 1/4, 1/8, 1/8 of it
    batch_losses, batch_counts, batch_ppls = [], [], []
    for x, y in zip(np.split(val_inputs, cuts), np.split(val_targets, cuts)):
        batch_losses.append(float(cross_entropy(W[x], y)))  # this batch's mean loss
        batch_counts.append(y.size)  # the number of tokens it holds
        batch_ppls.append(float(perplexity(W[x], y)))

    final_val_ppl = float(corpus_perplexity(batch_losses, batch_counts))
    print("tokens per batch:            ", batch_counts)
    print(f"corpus perplexity:            {final_val_ppl:.3f}")
    all_at_once = float(perplexity(W[val_inputs], val_targets))
    print(f"all validation tokens at once: {all_at_once:.3f} (the same)")
    print(f"mean of batch perplexities:    {np.mean(batch_ppls):.3f} (not the same)")

# %% [markdown]
# ### 6. How good can a bigram model get?
#
# For a bigram model we can also find the best table **by counting**: the probability that
# token j follows token i is how often j followed i in the training pairs, divided by how often
# i was followed by anything. These relative frequencies are exactly the table that minimizes
# the training cross-entropy. On new text, though, a pair never seen in training would get
# probability 0 (an infinite loss), so we add a small count k to every cell ("add-k
# smoothing") and pick the k that does best on validation. The result is as good as a bigram
# model gets on this validation set; gradient descent can only come close to it.

# %%
def counting_logits(k):
    """Log-probabilities of the add-k bigram estimate: valid logits for a (V, V) table."""
    probs = (counts + k) / (counts + k).sum(axis=1, keepdims=True)  # each row sums to 1
    return np.log(probs)


if ready(*BIGRAM):
    counts = np.zeros((V, V))  # counts[i, j]: how often token j followed token i
    np.add.at(counts, (train_inputs.reshape(-1), train_targets.reshape(-1)), 1)
    unseen = np.mean(counts[val_inputs, val_targets] == 0)  # validation pairs never seen
    print(f"{unseen:.1%} of the validation pairs never occur in the training pairs")

    ks = np.logspace(-3, 0, 31)  # candidate k from 0.001 to 1
    ks_ppl = [float(perplexity(counting_logits(k)[val_inputs], val_targets)) for k in ks]
    best_k = float(ks[np.argmin(ks_ppl)])
    counting_ppl = float(min(ks_ppl))
    ratio = final_val_ppl / counting_ppl

    print(f"validation perplexity reached: {final_val_ppl:.3f} (uniform model: {V})")
    print(f"counting optimum (k = {best_k:.3g}): {counting_ppl:.3f}")
    print(f"ratio:                         {ratio:.3f}")
    figures["bigram.val_perplexity"] = final_val_ppl
    figures["bigram.counting_optimum_perplexity"] = counting_ppl

# %% [markdown]
# ### 7. The learning curves
#
# The loss (left) and the perplexity (right, on a log scale) per step, for the training batches
# and the validation set, with the counting optimum as a dashed line.

# %%
if ready(*BIGRAM):
    fig, (ax_loss, ax_ppl) = plt.subplots(1, 2, figsize=(11, 4))
    bigram, computed = COLORS["bigram"], COLORS["computed"]  # training: thin, pale
    ax_loss.plot(history["train_loss"], color=bigram, alpha=0.4, linewidth=1,
                 label="training batch")
    ax_loss.plot(history["val_step"], history["val_loss"], color=bigram, linewidth=2.5,
                 label="validation")
    ax_loss.axhline(np.log(counting_ppl), color=computed, linestyle="--",
                    label="counting optimum")
    ax_loss.set(xlabel="step", ylabel="cross-entropy loss (nats)", title="Loss")
    ax_ppl.plot(np.exp(history["train_loss"]), color=bigram, alpha=0.4, linewidth=1,
                label="training batch")
    ax_ppl.plot(history["val_step"], history["val_ppl"], color=bigram, linewidth=2.5,
                label="validation")
    ax_ppl.axhline(counting_ppl, color=computed, linestyle="--", label="counting optimum")
    ax_ppl.set(xlabel="step", ylabel="perplexity", title="Perplexity (log scale)", yscale="log")
    ax_ppl.set_yticks([20, 30, 50, 100, 200], labels=["20", "30", "50", "100", "200"])
    ax_ppl.minorticks_off()
    for ax in (ax_loss, ax_ppl):
        ax.legend()
    fig.tight_layout()
    plt.show()
    end_part("bigram")

# %% [markdown]
# **What to notice.** At step 0 the perplexity is V: the model is uniform over the vocabulary.
# Within a few dozen steps it learns the common pairs, and after a few hundred steps its
# validation perplexity is within a few percent of the counting optimum. The training curve
# ends lower than the validation curve: the model has learned the pairs of the training text,
# and some pairs of the validation text never occur there (the gap between training and
# validation loss is the start of **overfitting**; weight decay keeps it small). The counting
# optimum is a wall for *this* model, which only ever sees one token of context. A transformer
# sees the whole block through causal attention, and that is how it gets below the bigram
# perplexity, with exactly this data pipeline, loss and training loop: the next parts show it.
#
# **Try it.** Set `max_lr` to 0.01 or 3, remove the warmup (`warmup_steps = 0`), or train for
# 40 steps instead of 400, and watch the curves. `plt.plot(history["lr"])` shows the
# learning-rate schedule, and `plt.plot(history["grad_norm"])` the gradient norm before
# clipping.
