"""t2_causal_attention: everything specific to this torch-track question
(docs/adding-a-question.md)."""
