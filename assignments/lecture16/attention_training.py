# "Put it together", part 2: train the attention model and compare it with the bigram model,
# then the ablation without the causal mask. Percent format, pasted into the notebook after
# attention_model.py (see PUT_IT_TOGETHER in cells.py); the same rules as put_it_together.py.

# %% [markdown]
# ### 9. Context beats the bigram's wall
#
# The same data, the same loss, the same optimizer, the same schedule: only the model changed.
# It has `d = 32` numbers per token and 4 attention heads, and trains for 400 steps of 32
# blocks, as the bigram model did (with a smaller learning rate: its parameters are not a
# table of logits). The dashed line is the **counting optimum**, the best perplexity any bigram
# model can reach on this validation set.

# %%
ATTENTION = (1, 2, 3, 4, 5)  # the questions the attention model needs
d_model, n_heads = 32, 4  # numbers per token, attention heads (of 32 / 4 = 8 numbers each)
attention_steps, attention_lr = 400, 1e-2

if ready(*ATTENTION):
    start_part("attention")
    attention_params, attention_history = train(
        init_attention_model(V, T, d=d_model, n_heads=n_heads, seed=0),
        train_inputs, train_targets, steps=attention_steps, n_heads=n_heads,
        max_lr=attention_lr, val=(val_inputs, val_targets), eval_every=25, desc="attention")
    attention_val_ppl = attention_history["val_ppl"][-1]
    attention_train_ppl = model_perplexity(attention_params, train_inputs, train_targets, n_heads)
    print(f"{count_parameters(attention_params):,} parameters "
          f"(the bigram table has {V * V:,})")
    print(f"validation perplexity: attention {attention_val_ppl:.2f}, "
          f"bigram {final_val_ppl:.2f}, counting optimum {counting_ppl:.2f}")
    figures["attention.val_perplexity"] = attention_val_ppl
    figures["attention.train_perplexity"] = attention_train_ppl
    figures["attention.n_params"] = count_parameters(attention_params)

# %%
if ready(*ATTENTION):
    fig_attention, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(11, 4))
    bigram_green, attention_blue, optimum_orange = (COLORS["bigram"], COLORS["attention"],
                                                    COLORS["computed"])
    ax_train.plot(np.exp(history["train_loss"]), color=bigram_green, label="bigram model")
    ax_train.plot(np.exp(attention_history["train_loss"]), color=attention_blue,
                  label="attention model")
    ax_train.set(title="Training batches", ylabel="perplexity (log scale)")
    ax_val.plot(history["val_step"], history["val_ppl"], color=bigram_green,
                label="bigram model")
    ax_val.plot(attention_history["val_step"], attention_history["val_ppl"],
                color=attention_blue, label="attention model")
    ax_val.set(title="Validation set", ylabel="perplexity (log scale)")
    for ax in (ax_train, ax_val):
        ax.axhline(counting_ppl, color=optimum_orange, linestyle="--",
                   label="bigram counting optimum")
        ax.set(xlabel="step", yscale="log", ylim=(8, 300))
        ax.set_yticks([10, 20, 30, 50, 100, 200], labels=["10", "20", "30", "50", "100", "200"])
        ax.minorticks_off()
        ax.legend()
    fig_attention.tight_layout()
    plt.show()
    end_part("attention")

# %% [markdown]
# **What to notice.** The attention model starts slower (its output layer has to learn what
# the bigram table holds directly) but ends well below the counting optimum: no table of
# next-token counts, however well smoothed, can know that a story set on a farm talks about
# barns and hens, or which names are in this story's cast. Attention reads that from the
# context. Its training perplexity ends lower than its validation perplexity: with only about
# 40,000 training tokens, it starts to memorize (try `d_model = 64`).

# %% [markdown]
# ### 10. Why the mask?
#
# Train the same model, on the same data, with the causal mask **removed**: every position
# may attend to every other one, the future included. The target at position t is the input
# at position t + 1, and the model can now see it. Watch its training loss, and then its
# validation perplexity **measured the honest way**, with the mask (as it must be at
# generation time, when the next token does not exist yet).

# %%
if ready(*ATTENTION):
    start_part("no_mask")
    no_mask_params, no_mask_history = train(
        init_attention_model(V, T, d=d_model, n_heads=n_heads, seed=0),
        train_inputs, train_targets, steps=attention_steps, n_heads=n_heads,
        max_lr=attention_lr, causal=False, val=(val_inputs, val_targets), eval_every=25,
        desc="no mask")
    no_mask_train_ppl = model_perplexity(no_mask_params, train_inputs, train_targets, n_heads,
                                         causal=False)  # as it was trained: seeing the future
    no_mask_val_ppl = no_mask_history["val_ppl"][-1]  # with the mask: no future to copy
    print(f"training perplexity, seeing the future as in its training: {no_mask_train_ppl:.2f} "
          f"(the model trained with the mask: {attention_train_ppl:.2f})")
    print(f"validation perplexity, evaluated with the mask: {no_mask_val_ppl:,.0f} "
          f"(the model trained with the mask: {attention_val_ppl:.2f}; uniform guessing: {V})")
    figures["no_mask.train_perplexity"] = no_mask_train_ppl
    figures["no_mask.masked_val_perplexity"] = no_mask_val_ppl

# %%
if ready(*ATTENTION):
    fig_mask, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(11, 4))
    masked_blue, no_mask_red = COLORS["attention"], COLORS["no_mask"]
    ax_train.plot(np.exp(attention_history["train_loss"]), color=masked_blue,
                  label="with the causal mask")
    ax_train.plot(np.exp(no_mask_history["train_loss"]), color=no_mask_red,
                  label="without the mask (sees the next token)")
    ax_train.set(title="Training batches (as each model trains)")
    ax_val.plot(attention_history["val_step"], attention_history["val_ppl"],
                color=masked_blue, label="trained with the causal mask")
    ax_val.plot(no_mask_history["val_step"], no_mask_history["val_ppl"], color=no_mask_red,
                label="trained without the mask")
    ax_val.set(title="Validation set, evaluated with the mask")
    for ax in (ax_train, ax_val):
        ax.set(xlabel="step", ylabel="perplexity (log scale)", yscale="log")
        ax.legend()
    fig_mask.tight_layout()
    plt.show()

    story_starts = ["The cat", "One morning, Mia", "The old farmer said that"]
    for title, model, causal in (("WITH", attention_params, True),
                                 ("WITHOUT", no_mask_params, False)):
        print(f"The model trained {title} the mask continues:")
        for seed, start in enumerate(story_starts):
            continuation = generate(model, encode(start), n_heads, causal=causal, seed=seed)
            print(f"   {start.lower()} | {decode(continuation)}")
    end_part("no_mask")

# %% [markdown]
# **What to notice.** Without the mask, the training loss falls almost to zero: perplexity
# near 1 means the model is nearly sure of every next token, because it **copies** it from the
# position ahead. It learned nothing about language. Evaluated with the mask, where the next
# token is hidden as it is when the model writes, its perplexity is far worse than uniform
# guessing, and when it writes (with nothing ahead to copy) it produces nonsense. The mask is
# what makes the training task the task we need: predicting what comes next from what came
# before.
