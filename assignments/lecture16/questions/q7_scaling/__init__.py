"""q7_scaling: everything specific to this question (see docs/adding-a-question.md)."""
