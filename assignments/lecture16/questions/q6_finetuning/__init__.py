"""q6_finetuning: everything specific to this question (see docs/adding-a-question.md)."""
