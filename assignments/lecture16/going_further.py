# The optional "Going further" part's demos, in jupytext's percent format, pasted into the
# notebook after the part's questions (GOING_FURTHER in cells.py): gradient accumulation done
# right and the naive way, and a reward model learned from ranked answers of the model
# fine-tuned in "Put it together" (instruct.py). The build tags every code cell "skip-grading":
# the autograder never runs them. They use what Put it together defined (encode, V, eos,
# IGNORE, instruction_pairs, generate, finetuned, ready, figures, COURSE_COLORS) and say which
# part to run or question to finish first when something is missing.

# %% [markdown]
# ### Put it together: accumulation, right and naive
#
# The instruction-tuning batches of part 11 are the case where accumulation goes wrong: only
# the response tokens count, and responses differ in length. To waste less padding, trainers
# often group sequences of similar length together (a *length-grouped* sampler), so the
# micro-batches of one batch count quite different numbers of tokens.
#
# Three runs of a bigram model on those batches, from the same start and on the same batches of
# 32 (AdamW with your `adamw_step`): one with each **batch of 32** in one piece, one with **4
# micro-batches of 8** combined by your `accumulate_gradients`, and one with the 4 micro-batch
# gradients simply **averaged**. The first two must take the same steps: their losses agree to
# the last few digits of floating point. The average drifts away.

# %%
CHECKS["Going further 1"] = {
    "accumulate_gradients": lambda: accumulate_gradients([{"w": np.ones(2)}], [1])}
CHECKS["Going further 2"] = {
    "preference_loss": lambda: preference_loss(np.zeros(2), np.ones(2)),
    "dpo_loss": lambda: dpo_loss(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))}
ACCUMULATE = (3, 5, 6, "Going further 1")  # the questions this demo needs


def sft_bigram_grads(W, inputs, targets):
    """The bigram model's mean loss over the counted targets, its gradient, and the count."""
    logits = W[inputs]  # (B, L, V)
    loss = cross_entropy(logits, targets, ignore_index=IGNORE)
    dlogits = cross_entropy_grad(logits, targets, ignore_index=IGNORE)  # (B, L, V)
    dW = np.zeros_like(W)  # (V, V)
    np.add.at(dW, inputs.reshape(-1), dlogits.reshape(-1, V))
    return float(loss), {"W": dW}, int(np.sum(targets != IGNORE))


def naive_average(grads, counts):
    """The bug: every micro-batch's mean-loss gradient weighs the same."""
    return {name: sum(g[name] for g in grads) / len(grads) for name in grads[0]}


def train_accumulating(combine, steps=30, batch=32, micro=8, lr=0.05, seed=0):
    """The loss of each batch of 32 along the run; ``combine`` None: the batch in one piece."""
    rng = np.random.default_rng(seed)  # the same batches for every run
    params = {"W": np.zeros((V, V))}
    state = init_adamw_state(params)
    losses = []
    for _ in range(steps):
        rows = rng.choice(len(acc_inputs), size=batch, replace=False)
        rows = rows[np.argsort(acc_counts[rows], kind="stable")]  # grouped by length
        x, y = acc_inputs[rows], acc_targets[rows]
        if combine is None:  # the batch in one piece
            loss, grads, _ = sft_bigram_grads(params["W"], x, y)
        else:  # 4 backward passes of 8, then one step
            loss = float(cross_entropy(params["W"][x], y, ignore_index=IGNORE))
            parts = [sft_bigram_grads(params["W"], x[i:i + micro], y[i:i + micro])
                     for i in range(0, batch, micro)]
            grads = combine([g for _, g, _ in parts], [n for _, _, n in parts])
        losses.append(loss)  # the loss of the whole batch of 32, before the step
        params, state = adamw_step(params, grads, state, lr=lr, weight_decay=0.0)
    return np.array(losses)


if ready(*ACCUMULATE):
    start_part("accumulate")
    acc_examples = [sft_example(encode(prompt), encode(response), eos_id=eos,
                                ignore_index=IGNORE) for prompt, response in instruction_pairs]
    acc_inputs, acc_targets = pad_batch(acc_examples, pad_id=eos, ignore_index=IGNORE)
    acc_counts = np.sum(acc_targets != IGNORE, axis=1)  # counted tokens per example
    accumulation_runs = {"batch of 32": train_accumulating(None),
                         "4 x 8, accumulate_gradients": train_accumulating(accumulate_gradients),
                         "4 x 8, averaged (the bug)": train_accumulating(naive_average)}
    full = accumulation_runs["batch of 32"]
    accumulation_gaps = {name: np.abs(losses - full) for name, losses in
                         accumulation_runs.items() if name != "batch of 32"}
    figures["accumulate.max_gap_accumulated"] = float(
        accumulation_gaps["4 x 8, accumulate_gradients"].max())
    figures["accumulate.max_gap_averaged"] = float(
        accumulation_gaps["4 x 8, averaged (the bug)"].max())
    for name, gap in accumulation_gaps.items():
        print(f"{name:<30} largest loss gap to the batch of 32: {gap.max():.2e}")

    fig_accumulate, (ax_loss, ax_gap) = plt.subplots(1, 2, figsize=(11, 4))
    for color, (name, losses) in zip(COURSE_COLORS, accumulation_runs.items()):
        ax_loss.plot(losses, color=color, label=name, linestyle="--" if "x 8" in name and
                     "accumulate" in name else "-")
    ax_loss.set(xlabel="step", ylabel="loss of the batch of 32 (nats)",
                title="Three ways to take a step")
    ax_loss.legend()
    for color, (name, gap) in zip(COURSE_COLORS[1:], accumulation_gaps.items()):
        ax_gap.plot(np.maximum(gap, 1e-17), color=color, label=name)
    ax_gap.set(xlabel="step", ylabel="|loss - loss of the batch of 32|", yscale="log",
               title="How far from the batch of 32")
    ax_gap.legend()
    fig_accumulate.tight_layout()
    plt.show()
    end_part("accumulate")

# %% [markdown]
# **What to notice.** Accumulating with the counts gives the batch of 32's steps exactly: the
# gap stays at the level of floating-point rounding (about 1e-15), step after step. Averaging
# the micro-batches gives the tokens of the short micro-batches more weight: the first step is
# already different, and the difference grows as the runs go their own ways. In a real run the
# gap is small per step and easy to miss, which is why the bug lived in popular libraries for
# years (and why the loss curves of "the same" run with and without accumulation differed).

# %% [markdown]
# ### Put it together: a reward model learns from ranked answers
#
# The model you fine-tuned in part 11 at the pre-training learning rate answers "Where was
# ...?" in the right form, but not always with the right subject or place. Ask it twice per
# question (every third of the 600; sampling with temperature 1, so the two answers differ) and
# let a **rule stand in for the human**: *the answer that shares more words with the true answer
# is chosen*; pairs with equal scores are dropped.
#
# The reward model is linear, `r = w . phi(prompt, answer)`, on six features a reader can check
# without knowing the true answer (the table below). It is trained with your `preference_loss`
# (its gradient with respect to w is `phi_chosen.T @ d_chosen + phi_rejected.T @ d_rejected`)
# and your `adamw_step` on the questions of 80% of the pairs, and tested on the other 20%: how
# often does it score the chosen answer higher? Guessing gets 50%.

# %%
REWARD = (*INSTRUCT, "Going further 2")  # the questions this demo needs
FEATURES = ("right form", "names the subject", "a place from the story",
            "the subject's place", "words from the prompt", "length / 10")


def words(text):
    return [w for w in tokenize(text) if w not in (".", "?", ",")]


def answer_features(prompt, answer):
    """phi(prompt, answer): six numbers about the answer, none of which needs the truth."""
    story, _, question = prompt.lower().rpartition("where was")
    subject = words(question)
    said = words(answer)
    place = said[-1] if said else ""
    sentences = [words(s) for s in story.split(".")]
    subject_sentence = next((s for s in sentences if subject and subject[-1] in s), [])
    return np.array([
        float("was" in said and answer.strip().endswith(".")),
        float(bool(subject) and all(w in said for w in subject)),
        float(place in words(story)),
        float(place in subject_sentence[subject_sentence.index(subject[-1]) + 1:]
              if subject_sentence else 0.0),
        float(np.mean([w in words(prompt) for w in said])) if said else 0.0,
        len(said) / 10,
    ])


def overlap(answer, truth):
    """The rule that ranks: how many words of the true answer the answer has."""
    said = words(answer)
    return sum(min(said.count(w), words(truth).count(w)) for w in set(words(truth)))


def train_reward_model(phi_chosen, phi_rejected, steps=150, lr=0.1):
    params = {"w": np.zeros(phi_chosen.shape[1])}
    state = init_adamw_state(params)
    losses = []
    for _ in range(steps):
        loss, d_chosen, d_rejected = preference_loss(phi_chosen @ params["w"],
                                                     phi_rejected @ params["w"])
        grads = {"w": phi_chosen.T @ d_chosen + phi_rejected.T @ d_rejected}
        params, state = adamw_step(params, grads, state, lr=lr, weight_decay=0.0)
        losses.append(loss)
    return params["w"], losses


if "finetuned" not in globals():
    print("Skipped: run Put it together's part 11 first (the fine-tuned model answers here).")
elif ready(*REWARD):
    start_part("reward")
    policy = finetuned["pretrain_lr"]
    ranked = []  # (prompt, chosen answer, rejected answer)
    for i, (prompt, truth) in enumerate(instruction_pairs[::3]):
        a, b = (decode([t for t in generate(policy, encode(prompt), n_heads, max_new=12,
                                            temperature=1.0, seed=2 * i + k) if t != eos])
                for k in (0, 1))
        if overlap(a, truth) != overlap(b, truth):
            ranked.append((prompt, a, b) if overlap(a, truth) > overlap(b, truth)
                          else (prompt, b, a))
    cut = int(0.8 * len(ranked))
    phi_chosen = np.array([answer_features(p, chosen) for p, chosen, _ in ranked])
    phi_rejected = np.array([answer_features(p, rejected) for p, _, rejected in ranked])
    reward_w, reward_losses = train_reward_model(phi_chosen[:cut], phi_rejected[:cut])
    heldout_accuracy = float(np.mean(phi_chosen[cut:] @ reward_w > phi_rejected[cut:] @ reward_w))
    figures["reward.pairs"] = len(ranked)
    figures["reward.heldout_accuracy"] = heldout_accuracy
    prompt, chosen, rejected = ranked[cut]
    print(f"{len(ranked)} ranked pairs ({cut} to train, {len(ranked) - cut} held out), e.g.")
    print("  prompt:  ", prompt)
    print("  chosen:  ", chosen, f"  reward {answer_features(prompt, chosen) @ reward_w:+.2f}")
    print("  rejected:", rejected, f"  reward {answer_features(prompt, rejected) @ reward_w:+.2f}")
    print(f"held-out accuracy: {heldout_accuracy:.0%} (guessing: 50%)")

    fig_reward, (ax_curve, ax_weights) = plt.subplots(1, 2, figsize=(11, 4))
    ax_curve.plot(reward_losses, color=COURSE_COLORS[0], label="training pairs")
    ax_curve.axhline(np.log(2), color=COURSE_COLORS[3], linestyle="--",
                     label="log 2: a reward model that cannot tell")
    ax_curve.set(xlabel="step", ylabel="preference loss (nats)",
                 title=f"Bradley-Terry loss; held-out accuracy {heldout_accuracy:.0%}")
    ax_curve.legend()
    ax_weights.barh(FEATURES, reward_w, color=[COURSE_COLORS[0] if v > 0 else COURSE_COLORS[3]
                                              for v in reward_w])
    ax_weights.axvline(0, color="black", linewidth=0.8)
    ax_weights.set(xlabel="weight in the reward", title="What the reward model learned")
    ax_weights.invert_yaxis()
    fig_reward.tight_layout()
    plt.show()
    end_part("reward")

# %% [markdown]
# **What to notice.** The reward model never sees the true answers, only which of two answers
# won; from that it learns what the hidden rule rewards (answers in the right form that take
# their words from the prompt: the subject, a place from the story) and ranks held-out pairs
# far better than guessing. That is RLHF's first step. The second trains the language model to
# earn a high reward (with PPO, Ouyang et al., 2022); DPO (your `dpo_loss`,
# Rafailov et al., 2023) gets there without a reward model, with the same Bradley-Terry loss on
# the log-probabilities of the policy and of the fine-tuned model it starts from.

# %%
show_figures({key: value for key, value in figures.items()
              if key.split(".")[0] in ("accumulate", "reward")
              or key in ("seconds.accumulate", "seconds.reward")})
