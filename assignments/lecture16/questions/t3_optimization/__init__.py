"""t3_optimization: everything specific to this torch-track question
(docs/adding-a-question.md)."""
