"""t2_causal_attention: the question's row in the assignment. A torch-track question is extra
credit: its points are set in otter_config.json (default 0: feedback only); its tests carry relative
weights that add up to 1 (hidden.py). Plain data."""

ID = "t2_causal_attention"
TITLE = "Causal attention in PyTorch"
POINTS = 0
FUNCTIONS = ("causal_attention_torch",)
"""the functions a student writes, in the order they are taught"""
TRACK = "torch"
