"""q5_optimization: everything specific to this question (see docs/adding-a-question.md)."""
