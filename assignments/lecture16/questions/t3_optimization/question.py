"""t3_optimization: the question's row in the assignment. A torch-track question is extra
credit: its points are set in otter_config.json (default 0: feedback only); its tests carry relative
weights that add up to 1 (hidden.py). Plain data."""

ID = "t3_optimization"
TITLE = "Clipping and AdamW in PyTorch"
POINTS = 0
FUNCTIONS = ("clip_grad_norm_torch_", "init_adamw_state_torch", "adamw_step_torch_")
"""the functions a student writes, in the order they are taught"""
TRACK = "torch"
