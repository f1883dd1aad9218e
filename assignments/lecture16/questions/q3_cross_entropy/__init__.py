"""q3_cross_entropy: everything specific to this question (see docs/adding-a-question.md)."""
