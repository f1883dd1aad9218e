"""q2_causal_mask: everything specific to this question (see docs/adding-a-question.md)."""
