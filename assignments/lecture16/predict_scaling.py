# "Put it together", part 4: a scaling law from small runs predicts a bigger run; then the
# section's numbers in one table. Percent format, pasted into the notebook after instruct.py
# (see PUT_IT_TOGETHER in cells.py). The table's output carries the numbers in its metadata,
# from which the course's build writes put_it_together.json (the student never needs it).

# %% [markdown]
# ### 12. Predict before you train
#
# Training a big model costs millions; nobody launches one without knowing roughly what loss
# it will reach. The lecture's key takeaway is that the loss falls as a **power law** of the
# model size N (and of the data and the compute): `loss ≈ a * N ** (-alpha)`, a straight line
# on a log-log plot. So a few small runs, fitted with **your** `fit_power_law`, predict a
# bigger one.
#
# We train the attention model at four widths (`d` = 8, 12, 16 and 24) with the same small
# budget (150 steps of 32 blocks each), fit the power law to their final validation losses,
# predict the loss at `d` = 32, and only then train it. **Your** `training_flops` gives each
# run's compute.

# %%
SCALING = (1, 2, 3, 4, 5, 7)  # the questions this part needs
scaling_widths, target_width = [8, 12, 16, 24], 32  # the small runs, the run we predict
scaling_steps, scaling_batch = 150, 32
tokens_per_run = scaling_steps * scaling_batch * T  # D, the same for every run


def scaling_run(width):
    """(parameters, final validation loss in nats) of one run with the fixed budget."""
    params, _ = train(init_attention_model(V, T, d=width, n_heads=n_heads, seed=0),
                      train_inputs, train_targets, steps=scaling_steps, n_heads=n_heads,
                      max_lr=attention_lr, batch_size=scaling_batch, desc=f"d = {width}")
    val_loss = np.log(model_perplexity(params, val_inputs, val_targets, n_heads))
    return count_parameters(params), float(val_loss)


if ready(*SCALING):
    start_part("scaling")
    scaling_sizes, scaling_losses = map(list, zip(*(scaling_run(w) for w in scaling_widths)))
    scaling_a, scaling_alpha = fit_power_law(scaling_sizes, scaling_losses)
    target_size = count_parameters(init_attention_model(V, T, d=target_width, n_heads=n_heads))
    predicted_loss = scaling_a * target_size ** (-scaling_alpha)
    print(f"{'d':>4}{'parameters N':>14}{'FLOPs (6ND)':>14}{'validation loss':>17}")
    for width, size, loss in zip(scaling_widths, scaling_sizes, scaling_losses):
        print(f"{width:>4}{size:>14,}{training_flops(size, tokens_per_run):>14.3g}{loss:>17.3f}")
    print(f"fit: loss = {scaling_a:.3f} * N ** (-{scaling_alpha:.4f})")
    print(f"prediction for d = {target_width} ({target_size:,} parameters): "
          f"{predicted_loss:.3f} nats")

# %% [markdown]
# The prediction is written down. Now train the bigger model and compare.

# %%
if ready(*SCALING):
    measured_size, measured_loss = scaling_run(target_width)
    print(f"d = {target_width}: predicted {predicted_loss:.3f}, measured {measured_loss:.3f} "
          f"({predicted_loss / measured_loss - 1:+.1%})")
    figures.update({"scaling.a": scaling_a, "scaling.alpha": scaling_alpha,
                    "scaling.predicted_loss": predicted_loss,
                    "scaling.measured_loss": measured_loss,
                    "scaling.target_n_params": measured_size,
                    "scaling.tokens_per_run": tokens_per_run})

    fig_scaling, ax = plt.subplots(figsize=(6.5, 4.5))
    line_sizes = np.geomspace(min(scaling_sizes) / 1.3, target_size * 1.3, 50)
    # trained attention models in blue, what the fit computed in orange (as in every figure)
    ax.plot(line_sizes, scaling_a * line_sizes ** (-scaling_alpha), color=COLORS["computed"],
            label=f"fitted power law: {scaling_a:.2f} N^(-{scaling_alpha:.3f})")
    ax.plot(scaling_sizes, scaling_losses, "o", color=COLORS["attention"],
            label=f"small runs (d = {', '.join(map(str, scaling_widths))}): fitted")
    ax.plot([target_size], [predicted_loss], "*", markersize=14, color=COLORS["computed"],
            label=f"predicted before training (d = {target_width})")
    ax.plot([measured_size], [measured_loss], "D", markerfacecolor="none", markersize=10,
            markeredgewidth=2, color=COLORS["attention"],
            label=f"measured after training (d = {target_width})")
    ax.set(xscale="log", yscale="log", xlabel="parameters N (log scale)",
           ylabel="validation loss, nats (log scale)",
           title=f"Same budget per run: {tokens_per_run:,} training tokens")
    loss_ticks = np.unique(np.round(np.geomspace(*ax.get_ylim(), 6), 1))
    ax.set_yticks(loss_ticks, labels=[f"{t:.1f}" for t in loss_ticks])
    # the sizes span less than a decade: a log axis would label one power of ten only
    size_ticks = np.unique([float(f"{t:.1g}") for t in np.geomspace(*ax.get_xlim(), 6)])
    ax.set_xticks(size_ticks, labels=[f"{t:,.0f}" for t in size_ticks])
    ax.minorticks_off()
    ax.legend()
    fig_scaling.tight_layout()
    plt.show()

    our_flops = training_flops(measured_size, tokens_per_run)
    gpt3_flops = training_flops(175e9, 300e9)
    gpt3_n, gpt3_d = chinchilla_optimal(gpt3_flops)
    our_n, our_d = chinchilla_optimal(our_flops)
    print(f"Our d = {target_width} run took {our_flops:.2g} FLOPs. GPT-3 (175e9 parameters, "
          f"300e9 tokens) took {gpt3_flops:.3g}, {gpt3_flops / our_flops:.1g} times more; "
          f"Chinchilla's 20 tokens per parameter would have spent that budget on "
          f"{gpt3_n:.2g} parameters and {gpt3_d:.2g} tokens. By the same rule our budget "
          f"would go to {our_n:,.0f} parameters and {our_d:,.0f} tokens (we used "
          f"{measured_size:,} and {tokens_per_run:,}).")
    end_part("scaling")

# %% [markdown]
# **What to notice.** Four small runs, a straight line on a log-log plot, and the bigger
# run's loss lands close to where the line said it would, before a single step of it was
# taken. That is how labs choose a model size and a data size for a budget. The line cannot
# go on forever: the text itself is not perfectly predictable, so the loss flattens toward
# that floor (and on our tiny corpus the bigger models start to memorize). Real scaling-law
# fits add such a floor, `loss = L_inf + a * N ** (-alpha)`, and fit over many more sizes.

# %% [markdown]
# ### 13. The numbers
#
# Everything this section measured, in one table (the seconds are each part's wall time).

# %%
show_figures(figures)
