"""t1_cross_entropy: everything specific to this torch-track question
(docs/adding-a-question.md)."""
