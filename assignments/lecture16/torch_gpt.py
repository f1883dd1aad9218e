# The optional torch track's training run: a small GPT (2 layers, 4 heads) whose attention, loss,
# clipping and AdamW are the student's torch functions, with autograd for the backward pass.
# Percent format, pasted into the notebook after the torch track's questions (see TORCH_GPT in
# cells.py). It runs on the GPU when there is one (a longer schedule) and on the CPU otherwise,
# and skips cleanly without torch or with the torch track unfinished.

# %% [markdown]
# ### Train a small GPT with your torch functions
#
# With PyTorch, autograd writes the backward pass, and a real transformer block is a few lines:
# layer norm, multi-head attention (**your** `causal_attention_torch`), a residual connection,
# then a small MLP with another residual connection. This GPT has two such blocks, `d = 64`
# and 4 heads, and trains on the same corpus with **your** `cross_entropy_torch`,
# `clip_grad_norm_torch_` and `adamw_step_torch_` (and your numpy `warmup_cosine_lr` for the
# schedule). On a GPU it trains for 600 steps of 64 blocks; on a CPU, 300 steps of 32 (about
# 10 seconds). It prints how many tokens per second it trains on: compare a GPU with a CPU.

# %%
TORCH_CHECKS = {
    "t1_cross_entropy": {"cross_entropy_torch": lambda: cross_entropy_torch(
        torch.zeros(2, 3), torch.tensor([0, 1]))},
    "t2_causal_attention": {
        "causal_attention_torch": lambda: causal_attention_torch(*torch.ones(3, 1, 2, 2))},
    "t3_optimization": {
        "clip_grad_norm_torch_": lambda: clip_grad_norm_torch_([torch.ones(2)], 1.0),
        "init_adamw_state_torch": lambda: init_adamw_state_torch([torch.ones(2)]),
        "adamw_step_torch_": lambda: adamw_step_torch_(
            [torch.ones(2)], [torch.ones(2)], init_adamw_state_torch([torch.ones(2)]))},
}


def torch_track_ready():
    if torch is None:
        print("Skipped: PyTorch is not installed here.")
        return False
    return ready(1, 5, *TORCH_CHECKS, checks={**CHECKS, **TORCH_CHECKS})


if torch is not None:
    class Block(torch.nn.Module):
        """x + attention(layer_norm(x)), then x + mlp(layer_norm(x))."""

        def __init__(self, d, n_heads):
            super().__init__()
            self.n_heads = n_heads
            self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
            self.qkv, self.proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
            self.mlp = torch.nn.Sequential(torch.nn.Linear(d, 4 * d), torch.nn.GELU(),
                                           torch.nn.Linear(4 * d, d))

        def forward(self, x):
            B, T, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=-1)  # 3 x (B, T, d)
            q, k, v = (z.view(B, T, self.n_heads, d // self.n_heads).transpose(1, 2)
                       for z in (q, k, v))  # 3 x (B, H, T, d/H)
            heads, _ = causal_attention_torch(q, k, v)  # YOUR causal attention
            x = x + self.proj(heads.transpose(1, 2).reshape(B, T, d))
            return x + self.mlp(self.ln2(x))

    class GPT(torch.nn.Module):
        """Token + position embeddings, n_layers blocks, a final layer norm, the output layer."""

        def __init__(self, V, T, d=64, n_heads=4, n_layers=2):
            super().__init__()
            self.tok, self.pos = torch.nn.Embedding(V, d), torch.nn.Embedding(T, d)
            self.blocks = torch.nn.ModuleList(Block(d, n_heads) for _ in range(n_layers))
            self.ln, self.head = torch.nn.LayerNorm(d), torch.nn.Linear(d, V)

        def forward(self, idx):  # (B, T) token ids -> (B, T, V) logits
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x))

# %%
if torch_track_ready():
    start_part("torch_gpt")
    on_gpu = torch.cuda.is_available()
    device = torch.device("cuda" if on_gpu else "cpu")
    gpt_steps, gpt_batch = (600, 64) if on_gpu else (300, 32)
    cpu_threads = torch.get_num_threads()
    if not on_gpu:  # a model this small runs as fast on one CPU thread, and a busy machine
        torch.set_num_threads(1)  # slows several threads down a lot
    torch.manual_seed(0)
    gpt = GPT(V, T).to(device)
    gpt_params = list(gpt.parameters())
    gpt_state = init_adamw_state_torch(gpt_params)
    x_train, y_train = (torch.as_tensor(a, device=device) for a in (train_inputs, train_targets))
    x_val, y_val = (torch.as_tensor(a, device=device) for a in (val_inputs, val_targets))
    batches = torch.Generator().manual_seed(0)  # the same batches every time

    start = time.perf_counter()
    for step in tqdm(range(gpt_steps), desc=f"GPT on {device.type}"):
        rows = torch.randint(len(x_train), (gpt_batch,), generator=batches).to(device)
        loss = cross_entropy_torch(gpt(x_train[rows]), y_train[rows])  # YOUR loss
        loss.backward()  # autograd: the backward pass
        grads = [p.grad for p in gpt_params]
        clip_grad_norm_torch_(grads, 1.0)  # YOUR clipping
        lr = warmup_cosine_lr(step, 1e-2, 20, gpt_steps, min_lr=1e-3)  # YOUR schedule
        adamw_step_torch_(gpt_params, grads, gpt_state, lr=lr, weight_decay=0.1)  # YOUR AdamW
        for p in gpt_params:
            p.grad = None
    if on_gpu:
        torch.cuda.synchronize()  # wait for the GPU to finish before reading the clock
    gpt_seconds = time.perf_counter() - start
    torch.set_num_threads(cpu_threads)
    with torch.no_grad():
        gpt_val_ppl = float(torch.exp(cross_entropy_torch(gpt(x_val), y_val)))
    tokens_per_second = gpt_steps * gpt_batch * T / gpt_seconds
    print(f"{sum(p.numel() for p in gpt_params):,} parameters, {gpt_steps} steps on "
          f"{device.type} in {gpt_seconds:.1f} s: {tokens_per_second:,.0f} tokens per second")
    print(f"validation perplexity {gpt_val_ppl:.2f} (one numpy attention layer: "
          f"{figures.get('attention.val_perplexity', float('nan')):.2f})")
    end_part("torch_gpt")
    show_figures({"torch_gpt.tokens_per_second": tokens_per_second,
                  "torch_gpt.val_perplexity": gpt_val_ppl, "torch_gpt.steps": gpt_steps,
                  "torch_gpt.on_gpu": float(on_gpu),
                  "seconds.torch_gpt": figures["seconds.torch_gpt"]})
