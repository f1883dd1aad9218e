# "Put it together", part 3: from a foundation model to an instruct model, and how the
# fine-tuning learning rate decides what it forgets. Percent format, pasted into the notebook
# after attention_training.py (see PUT_IT_TOGETHER in cells.py). instructions.txt sits next to
# the notebook (written by the course's corpus generator, like corpus.txt).

# %% [markdown]
# ### 11. From a foundation model to an instruct model
#
# The attention model is now a (very small) **foundation model**: it continues stories. An
# **instruct model** answers questions. The road between them is *instruction tuning*: train
# the foundation model further on (prompt, response) pairs, with the loss counting only the
# response, so the model learns to *write answers* rather than to predict questions.
#
# `instructions.txt` holds 600 such pairs, written by the same grammar as the corpus: a short
# story and a question about where someone was, and the answer. **Your** `sft_example` turns
# each pair into (inputs, targets) with the prompt's targets ignored, and **your** `pad_batch`
# stacks them into one batch. We fine-tune on 500 pairs and measure the **response loss**
# (the mean cross-entropy over the response tokens only) on the other 100.

# %%
INSTRUCT = (1, 2, 3, 4, 5, 6)  # the questions instruction tuning needs
IGNORE = -100  # the targets the loss skips: prompt tokens and padding

with open("instructions.txt", encoding="utf-8") as f:
    instruction_pairs = [line.rstrip("\n").split("\t") for line in f if line.strip()]
print(f"{len(instruction_pairs)} (prompt, response) pairs, for example:")
print("  prompt:  ", instruction_pairs[0][0])
print("  response:", instruction_pairs[0][1])

if ready(*INSTRUCT):
    start_part("finetune")
    examples = [sft_example(encode(prompt), encode(response), eos_id=eos, ignore_index=IGNORE)
                for prompt, response in instruction_pairs]
    sft_inputs, sft_targets = pad_batch(examples[:500], pad_id=eos, ignore_index=IGNORE)
    heldout_inputs, heldout_targets = pad_batch(examples[500:], pad_id=eos, ignore_index=IGNORE)
    print("fine-tuning batch", sft_inputs.shape, "held out", heldout_inputs.shape)
    print("inputs: ", decode(sft_inputs[0]))
    print("targets:", " ".join("_" if t == IGNORE else itos[t] for t in sft_targets[0]))


def response_loss(params):
    """Mean cross-entropy over the held-out responses (prompts and padding ignored)."""
    logits, _ = attention_forward(params, heldout_inputs, n_heads)
    return float(cross_entropy(logits, heldout_targets, ignore_index=IGNORE))


def answer(params, prompt):
    """The model's answer to a prompt, sampled with a low temperature (almost its best guess)."""
    return decode(generate(params, encode(prompt), n_heads, max_new=12, temperature=0.1))

# %% [markdown]
# Fine-tuning starts from the pre-trained attention model, twice: once with the **pre-training
# learning rate** and once with a learning rate **10 times smaller**, as practice recommends
# (10 to 100 times smaller). Both take 100 steps of 32 pairs. After each we measure the response
# loss on the held-out pairs and the validation perplexity on the **pre-training corpus**: how
# much of what it learned before does the model forget?

# %%
finetune_steps = 100
finetune_lrs = {"pretrain_lr": attention_lr, "small_lr": attention_lr / 10}

if ready(*INSTRUCT):
    finetuned, finetune_histories = {}, {}
    pretrain_ppl_before = attention_val_ppl
    figures["finetune.pretrain_val_perplexity_before"] = pretrain_ppl_before
    figures["finetune.response_loss_before"] = response_loss(attention_params)
    for name, lr in finetune_lrs.items():
        finetuned[name], finetune_histories[name] = train(
            attention_params, sft_inputs, sft_targets, steps=finetune_steps, n_heads=n_heads,
            max_lr=lr, warmup_steps=10, ignore_index=IGNORE,
            val=(heldout_inputs, heldout_targets), eval_every=10, desc=f"lr {lr:g}")
        figures[f"finetune.{name}.lr"] = lr
        figures[f"finetune.{name}.response_loss"] = response_loss(finetuned[name])
        figures[f"finetune.{name}.pretrain_val_perplexity_after"] = model_perplexity(
            finetuned[name], val_inputs, val_targets, n_heads)

    print(f"{'model':<32}{'response loss':>15}{'corpus perplexity':>20}")
    print(f"{'foundation (before)':<32}{figures['finetune.response_loss_before']:>15.3f}"
          f"{pretrain_ppl_before:>20.2f}")
    for name, lr in finetune_lrs.items():
        print(f"{f'fine-tuned at lr {lr:g}':<32}"
              f"{figures[f'finetune.{name}.response_loss']:>15.3f}"
              f"{figures[f'finetune.{name}.pretrain_val_perplexity_after']:>20.2f}")

# %%
if ready(*INSTRUCT):
    fig_finetune, (ax_resp, ax_forget) = plt.subplots(1, 2, figsize=(11, 4))
    colors = {"pretrain_lr": COLORS["finetuned"], "small_lr": COLORS["finetuned_small_lr"]}
    for name, lr in finetune_lrs.items():
        steps_seen = finetune_histories[name]["val_step"]
        losses = np.log(finetune_histories[name]["val_ppl"])  # perplexity back to the loss
        ax_resp.plot(steps_seen, losses, color=colors[name], marker=".",
                     label=f"fine-tuned at lr {lr:g}")
    ax_resp.set(xlabel="fine-tuning step", ylabel="response loss (nats)",
                title="Held-out responses: learning to answer")
    ax_resp.legend()
    labels = ["before\nfine-tuning", *(f"after, lr {lr:g}" for lr in finetune_lrs.values())]
    values = [pretrain_ppl_before, *(figures[f"finetune.{name}.pretrain_val_perplexity_after"]
                                     for name in finetune_lrs)]
    models = range(len(values))  # one point per model: a bar's length means nothing on a log axis
    for x, value, color in zip(models, values,
                               [COLORS["attention"], *(colors[name] for name in finetune_lrs)]):
        ax_forget.plot([x], [value], "o", markersize=11, color=color)
        ax_forget.annotate(f"{value:,.1f}", (x, value), textcoords="offset points",
                           xytext=(0, 10), ha="center")
    ax_forget.set_xticks(list(models), labels=labels)
    ax_forget.set(xlabel="model", ylabel="validation perplexity (log scale)", yscale="log",
                  xlim=(-0.5, len(values) - 0.5), title="Pre-training corpus: what it forgot")
    ax_forget.set_ylim(min(values) / 1.5, max(values) * 2)  # room for the labels above
    low, high = ax_forget.get_ylim()
    ticks = [t for t in (3, 10, 30, 100, 300, 1000, 3000, 10000, 30000) if low <= t <= high]
    ax_forget.set_yticks(ticks, labels=[f"{t:,}" for t in ticks])
    ax_forget.minorticks_off()
    fig_finetune.tight_layout()
    plt.show()

    for prompt, response in instruction_pairs[500:502]:
        print("prompt:    ", prompt)
        print("  foundation model:      ", answer(attention_params, prompt))
        for name, lr in finetune_lrs.items():
            print(f"  fine-tuned at lr {lr:<7g}:", answer(finetuned[name], prompt))
        print("  expected:              ", response.lower())
    end_part("finetune")

# %% [markdown]
# **What to notice.** Before fine-tuning, the foundation model does not answer: after a
# question it expects the text to end (`<eos>`) or another sentence of the story. After 100
# steps on 500 pairs, both fine-tuned models answer in the right form, "<someone> was
# <somewhere>." (the facts are often wrong: copying the right name and place out of the prompt
# is hard for one attention layer; it takes two, as in the torch track's GPT). The pre-training
# learning rate gets the lowest response loss, but at a price: the model forgets how stories
# go, and its perplexity on the pre-training corpus explodes (it now expects every text to end
# after one answer). The learning rate 10 times smaller learns the new task almost as well and
# keeps most of what pre-training taught it. That is why fine-tuning uses a learning rate 10 to
# 100 times smaller than pre-training.
